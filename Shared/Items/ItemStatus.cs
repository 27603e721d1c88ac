using System.Text.Json.Serialization;

namespace MediaBroker.Shared.Items;

/// <summary>Where an item is in its life; each value is also the name of the broker folder that holds it.</summary>
public enum ItemStatus
{
    [JsonStringEnumMemberName("to_do")] ToDo,
    [JsonStringEnumMemberName("in_progress")] InProgress,
    [JsonStringEnumMemberName("finished_successful")] FinishedSuccessful,
    [JsonStringEnumMemberName("finished_with_errors")] FinishedWithErrors,
}

public static class ItemStatuses
{
    public static readonly IReadOnlyList<ItemStatus> All =
        [ItemStatus.ToDo, ItemStatus.InProgress, ItemStatus.FinishedSuccessful, ItemStatus.FinishedWithErrors];

    public static string WireName(this ItemStatus status) => status switch
    {
        ItemStatus.ToDo => "to_do",
        ItemStatus.InProgress => "in_progress",
        ItemStatus.FinishedSuccessful => "finished_successful",
        ItemStatus.FinishedWithErrors => "finished_with_errors",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static bool TryParse(string? text, out ItemStatus status)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.WireName(), text, StringComparison.Ordinal))
            {
                status = candidate;
                return true;
            }
        }
        status = default;
        return false;
    }

    public static bool IsFinished(this ItemStatus status) =>
        status is ItemStatus.FinishedSuccessful or ItemStatus.FinishedWithErrors;
}
