using System.IO.Abstractions;
using MediaBroker.Broker.Storage;

namespace MediaBroker.Testing;

/// <summary>The real file system, for tests that work on real temp folders (the broker's own seam, filled in).</summary>
public static class Disk
{
    public static readonly IFileSystem Real = new FileSystem();

    public static DataFolder DataFolder(string path) => new(path, Real);
}
