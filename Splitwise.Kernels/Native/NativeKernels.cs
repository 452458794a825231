using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Splitwise.Kernels.Native;

/// <summary>
/// The AVX-512 VNNI kernel library (Native/q8_0_vnni.c), compiled at build time and embedded in this assembly.
/// Loaded once, on first use, from a content-named copy in the temp folder; if anything is missing (no C compiler at
/// build time, another OS, a CPU without VNNI, SPLITWISE_NATIVE=off) <see cref="Q8_0RowLanes"/> is null and the
/// managed kernels run. <see cref="Status"/> says which and why, for the start-up log.
/// </summary>
public static unsafe class NativeKernels
{
    private const string ResourceName = "libsplitwise_native.so";
    private const int AbiVersion = 1;

    /// <summary>
    /// sw_q8_0_rowlanes_vnni(firstRow, rowBytes, validRows, blocks, codes, scales, negSums, tokens, t0, t1, out):
    /// one 16-row Q8_0 tile × tokens [t0, t1); see the C source for the layouts.
    /// </summary>
    internal static delegate* unmanaged<byte*, long, int, int, sbyte*, float*, int*, int, int, int, float*, void> Q8_0RowLanes { get; }

    /// <summary>Whether the VNNI kernels are loaded and this CPU runs them.</summary>
    public static bool VnniAvailable => Q8_0RowLanes != null;

    /// <summary>One line for logs: "VNNI kernels on" or why they are off.</summary>
    public static string Status { get; }

    static NativeKernels()
    {
        try
        {
            Status = Load(out var rowLanes);
            Q8_0RowLanes = rowLanes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
        {
            Status = $"VNNI kernels off: {e.Message}";
        }
    }

    private static string Load(out delegate* unmanaged<byte*, long, int, int, sbyte*, float*, int*, int, int, int, float*, void> rowLanes)
    {
        rowLanes = null;
        if (Environment.GetEnvironmentVariable("SPLITWISE_NATIVE")?.Trim().ToLowerInvariant() is "off" or "0" or "false")
            return "VNNI kernels off: SPLITWISE_NATIVE=off";
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return "VNNI kernels off: built for Linux x64 only";
        using var resource = typeof(NativeKernels).Assembly.GetManifestResourceStream(ResourceName);
        if (resource == null) return "VNNI kernels off: not built (no C compiler when Splitwise.Kernels was compiled)";

        var bytes = new byte[resource.Length];
        resource.ReadExactly(bytes);
        string path = Extract(bytes);
        var library = NativeLibrary.Load(path);
        var version = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "sw_native_abi_version");
        if (version() != AbiVersion) return $"VNNI kernels off: {path} has ABI {version()}, expected {AbiVersion}";
        var hasVnni = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "sw_cpu_has_avx512_vnni");
        if (hasVnni() == 0) return "VNNI kernels off: this CPU has no AVX-512 VNNI";
        if (CpuFeatures.Level != CpuFeatures.SimdLevel.Avx512) return $"VNNI kernels off: SIMD level is {CpuFeatures.Level}";
        rowLanes = (delegate* unmanaged<byte*, long, int, int, sbyte*, float*, int*, int, int, int, float*, void>)
            NativeLibrary.GetExport(library, "sw_q8_0_rowlanes_vnni");
        return "VNNI kernels on";
    }

    /// <summary>
    /// Writes the library to the temp folder under a name derived from its contents, so processes and versions never
    /// overwrite a file another one has mapped; the rename makes a half-written file invisible.
    /// </summary>
    private static string Extract(byte[] bytes)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"splitwise-native-{Environment.UserName}");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, $"{Convert.ToHexString(SHA256.HashData(bytes))[..16].ToLowerInvariant()}.so");
        if (File.Exists(path) && new FileInfo(path).Length == bytes.Length) return path;
        string temp = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
        return path;
    }
}
