using System.Text.RegularExpressions;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Reliability;

/// <summary>
/// Crash points sit in the file system the programs are given (CrashingFileSystem), so every change made through it is
/// one. A change made around it (System.IO's File, Directory or FileStream used directly) would be a step no crash test
/// ever kills: each such place is listed here with the reason it may stay, and a new one fails this test.
/// </summary>
public sealed partial class CrashPointCoverageTests
{
    private static readonly Dictionary<string, string> Allowed = new(StringComparer.Ordinal)
    {
        ["Broker/Api/OutputEndpoint.cs"] = "opens an output to read it",
        ["Client/Transfers/TusUploader.cs"] = "opens a source to read it",
        ["Client/Hosting/ClientContext.cs"] = "creates state_path and holds client.lock: before anything is stored, and a lock the kernel drops",
        ["Shared/Reliability/CrashPoints.cs"] = "writes the crash log itself",
    };

    [Fact]
    public void Every_change_the_programs_make_to_the_disk_goes_through_the_file_system_they_are_given()
    {
        var found = new List<string>();
        foreach (var project in new[] { "Broker", "Client", "Shared" })
        {
            var root = Path.Combine(Repository.Root, project);
            foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories).Where(file => !file.Contains("/obj/") && !file.Contains("/bin/")))
            {
                var relative = Path.GetRelativePath(Repository.Root, file).Replace('\\', '/');
                var lines = File.ReadAllLines(file);
                for (var i = 0; i < lines.Length; i++)
                    if (AroundTheSeam().IsMatch(lines[i]) && !Allowed.ContainsKey(relative)) found.Add($"{relative}:{i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.True(found.Count == 0, "changes to the disk made around the IFileSystem seam, where no crash point can catch them:\n" + string.Join('\n', found));
    }

    [Fact]
    public void The_places_allowed_around_the_seam_still_exist()
    {
        Assert.All(Allowed.Keys, path => Assert.True(File.Exists(Path.Combine(Repository.Root, path)), $"{path} is gone: remove it from the list"));
    }

    [GeneratedRegex(@"(^|[^\w.])(File|Directory)\.(Move|Delete|WriteAll\w*|AppendAll\w*|Copy|Create\w*|Replace|SetLastWriteTime\w*)\(|new FileStream\(")]
    private static partial Regex AroundTheSeam();
}
