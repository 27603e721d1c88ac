using MediaBroker.Broker.Api;
using MediaBroker.Shared.Items;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace MediaBroker.Broker.Tests.Api;

/// <summary>The query string of <c>GET /api/items</c>: every filter read, every wrong value named.</summary>
public sealed class ItemQueryParserTests
{
    private static (MediaBroker.Broker.Storage.ItemQuery? Query, string? Problem) Parse(string query) =>
        ItemQueryParser.Parse(new QueryCollection(QueryHelpers.ParseQuery(query)));

    [Fact]
    public void Every_filter_is_read()
    {
        var sha = new string('A', 128);
        var (query, problem) = Parse($"?client_id= attic &status=finished_with_errors&sha512={sha}&conversion_type=webp&limit=7&after=0f8fad5b-d9cb-469f-a165-70867728950e");

        Assert.Null(problem);
        Assert.Equal("attic", query!.ClientId);
        Assert.Equal(ItemStatus.FinishedWithErrors, query.Status);
        Assert.Equal(new string('a', 128), query.Sha512Checksum);
        Assert.Equal("webp", query.ConversionType);
        Assert.Equal(7, query.Limit);
        Assert.Equal(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), query.After);
    }

    [Fact]
    public void The_dashboard_asks_for_newest_first_and_part_of_a_name()
    {
        var (query, problem) = Parse("?order=newest&q=%20beach%20");

        Assert.Null(problem);
        Assert.True(query!.NewestFirst);
        Assert.Equal("beach", query.NameContains);
        Assert.False(Parse("?order=oldest").Query!.NewestFirst);
        Assert.Equal("q: at most 200 characters", Parse("?q=" + new string('x', 201)).Problem);
    }

    [Fact]
    public void No_filter_lists_everything_a_page_at_a_time_and_blank_values_count_as_absent()
    {
        var (query, problem) = Parse("?status=&client_id=%20");

        Assert.Null(problem);
        Assert.Equal(new MediaBroker.Broker.Storage.ItemQuery(), query);
    }

    [Fact]
    public void Ids_are_a_comma_separated_list_read_in_one_page()
    {
        var (query, _) = Parse("?ids=0f8fad5b-d9cb-469f-a165-70867728950e, 7c9e6679-7425-40de-944b-e07fc1f90ae7,,");

        Assert.Equal(2, query!.Ids!.Count);
        Assert.Equal(MediaBroker.Broker.Storage.ItemQuery.MaxLimit, query.Limit);
    }

    [Theory]
    [InlineData("?status=done", "status 'done' is not one of to_do, in_progress, finished_successful, finished_with_errors")]
    [InlineData("?ids=abc", "ids: 'abc' is not an item id")]
    [InlineData("?sha512=abc", "sha512 must be 128 hex digits")]
    [InlineData("?after=last", "after: 'last' is not an item id")]
    [InlineData("?limit=0", "limit must be a number from 1 to 1000")]
    [InlineData("?limit=1001", "limit must be a number from 1 to 1000")]
    [InlineData("?limit=-1", "limit must be a number from 1 to 1000")]
    [InlineData("?limit=ten", "limit must be a number from 1 to 1000")]
    [InlineData("?order=random", "order 'random' is not one of newest, oldest")]
    public void A_wrong_value_is_named_in_the_problem(string query, string problem)
    {
        var (parsed, found) = Parse(query);

        Assert.Null(parsed);
        Assert.Equal(problem, found);
    }

    [Fact]
    public void More_ids_than_a_page_holds_are_refused()
    {
        var ids = string.Join(',', Enumerable.Range(0, 1001).Select(_ => Guid.NewGuid()));

        Assert.Equal("ids: at most 1000 ids at once", Parse($"?ids={ids}").Problem);
    }
}
