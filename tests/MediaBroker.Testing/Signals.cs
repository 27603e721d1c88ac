using System.Runtime.InteropServices;

namespace MediaBroker.Testing;

/// <summary>POSIX signals for process tests (.NET can only kill; a graceful stop needs SIGTERM).</summary>
public static partial class Signals
{
    public const int Kill = 9;
    public const int Term = 15;

    public static void Send(int pid, int signal)
    {
        if (SysKill(pid, signal) != 0) throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
