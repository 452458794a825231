using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Splitwise.Tests.Support;

/// <summary>
/// A gateway or silo as a real child process, run from the test's own output folder (the build copies both programs
/// there with their runtime configs). Output is kept for failure messages; disposing kills the process if it runs.
/// </summary>
public sealed class SplitwiseProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private SplitwiseProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts `dotnet PROGRAM.dll args` with ASP.NET Core's request logging quieted.</summary>
    public static SplitwiseProcess Start(string name, string program, IEnumerable<string> args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, program + ".dll");
        string config = Path.Combine(AppContext.BaseDirectory, program + ".runtimeconfig.json");
        if (!File.Exists(dll) || !File.Exists(config))
            throw new FileNotFoundException($"{program} is not built beside the tests ({dll} and its runtimeconfig.json); build the solution.", dll);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["DOTNET_NOLOGO"] = "1";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var started = new SplitwiseProcess(name, process);
        process.OutputDataReceived += (_, e) => { if (e.Data != null) started._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) started._output.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    public string Output => string.Join("\n", _output);

    /// <summary>The last lines of output, for an assertion message.</summary>
    public string Tail(int lines = 30) => $"--- {Name} (pid {_process.Id}{(HasExited ? $", exited {ExitCode}" : "")}) ---\n" + string.Join("\n", _output.TakeLast(lines));

    /// <summary>kill -9: no shutdown code runs, sockets are closed by the kernel.</summary>
    public void Kill()
    {
        if (HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
    }

    /// <summary>SIGTERM, as an orchestrator stops a container: the process's graceful shutdown runs.</summary>
    public void Terminate()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) throw new PlatformNotSupportedException("SIGTERM needs a Unix-like system.");
        if (HasExited) return;
        if (kill(_process.Id, Sigterm) != 0) throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}.");
    }

    private const int Sigterm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // It never started or is already reaped.
        }
        _process.Dispose();
    }
}
