using System.Runtime.InteropServices;

namespace MediaBroker.Testing;

/// <summary>
/// A FIFO: whoever opens it for reading waits until a writer comes, so a program pointed at one blocks on demand
/// (a probe that is still running when a test stops it); and an open for writing tells whether anyone reads it.
/// </summary>
public static partial class NamedPipe
{
    public static string Make(string path)
    {
        if (MakeFifo(path, Convert.ToInt32("600", 8)) != 0) throw new IOException($"mkfifo {path} failed: errno {Marshal.GetLastPInvokeError()}");
        return path;
    }

    /// <summary>True while a reader has the FIFO open (opening it for writing without blocking succeeds only then).</summary>
    public static bool HasReader(string path)
    {
        var descriptor = Open(path, 1 /* O_WRONLY */ | 0x800 /* O_NONBLOCK */);
        if (descriptor < 0) return false;
        _ = Close(descriptor);
        return true;
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MakeFifo(string path, int mode);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
