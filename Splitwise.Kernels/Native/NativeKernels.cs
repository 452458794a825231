using System.Runtime.InteropServices;
using System.Security.Cryptography;

using unsafe Q8_0RowLanesFn = delegate* unmanaged<byte*, long, int, int, sbyte*, float*, int*, int, int, int, float*, void>;
using unsafe F16GemvRowsFn = delegate* unmanaged<byte*, long, int, int, float*, float*, int, void>;
using unsafe F16GemvTokensFn = delegate* unmanaged<byte*, long, int, int, float*, int, float*, long, int, void>;
// A few hundred nanoseconds of work per call at most, so without the GC transition (the callee never blocks or calls back).
using unsafe F16ToF32Fn = delegate* unmanaged[SuppressGCTransition]<ushort*, float*, int, void>;
using unsafe QuantGemvRowsFn = delegate* unmanaged<byte*, long, int, int, int, sbyte*, float*, float*, int, void>;
using unsafe AttendDecodeFn = delegate* unmanaged<float*, byte*, byte*, int*, int, int, int, int, int, int, int, float, float*, float*, float*, float*, void>;

namespace Splitwise.Kernels.Native;

/// <summary>
/// The native kernel library (Native/native_kernels.c: the AVX-512 VNNI Q8_0 GEMM tile and Q8_0/Q4_0 GEMV, the fp16 GEMV and fp16 widening, decode attention, the
/// loops that need instructions .NET does not expose), compiled at build time and embedded in this assembly. Loaded
/// once, on first use, from a content-named copy in the temp folder; if anything is missing (no C compiler at build
/// time, another OS, a CPU without AVX-512 or VNNI, SPLITWISE_NATIVE=off) the entry point is null and the managed
/// kernels run. <see cref="Status"/> says which and why, for the start-up log.
/// </summary>
public static unsafe class NativeKernels
{
    private const string ResourceName = "libsplitwise_native.so";
    private const int AbiVersion = 7;

    /// <summary>
    /// sw_q8_0_rowlanes_vnni(firstRow, rowBytes, validRows, blocks, codes, scales, negSums, tokens, t0, t1, out):
    /// one 16-row Q8_0 tile × tokens [t0, t1); see the C source for the layouts.
    /// </summary>
    internal static Q8_0RowLanesFn Q8_0RowLanes => s_exports.Q8_0RowLanes;

    /// <summary>
    /// sw_quant_gemv_rows(w, rowBytes, rows, blocks, q4, codes, scales, y, accumulate): y[r] = (or +=) row r · x for a
    /// Q8_0 (q4 = 0) or Q4_0 (q4 = 1) matrix slice and one token's int8 activation blocks; VNNI.
    /// </summary>
    internal static QuantGemvRowsFn QuantGemvRows => s_exports.QuantGemvRows;

    /// <summary>sw_f16_gemv_rows(w, rowBytes, rows, cols, x, y, accumulate): y[r] = (or +=) row r · x for an fp16 matrix slice.</summary>
    internal static F16GemvRowsFn F16GemvRows => s_exports.F16GemvRows;

    /// <summary>
    /// sw_f16_gemv_tokens(w, rowBytes, rows, cols, x, n, y, yStride, accumulate): y[t·yStride + r] = (or +=) row r · x_t
    /// for an fp16 matrix slice and n tokens x_t = x + t·cols (batched decode).
    /// </summary>
    internal static F16GemvTokensFn F16GemvTokens => s_exports.F16GemvTokens;

    /// <summary>sw_f16_to_f32(src, dst, count): dst[i] = src[i] widened to fp32 (attention's fp16 KV tiles).</summary>
    internal static F16ToF32Fn F16ToF32 => s_exports.F16ToF32;

    /// <summary>
    /// sw_attend_decode(q, keys, values, blockTable, t0, t1, context, kvHeads, group, headDim, f16, scale, o, m, s, scratch):
    /// one query token against tiles [t0, t1) of its block table, every KV head; leaves each query head's unnormalized
    /// output, maximum score and weight sum (see <see cref="Cpu.DecodeAttention"/>).
    /// </summary>
    internal static AttendDecodeFn AttendDecode => s_exports.AttendDecode;

    /// <summary>Whether the VNNI kernels (the Q8_0 GEMM tile, the Q8_0/Q4_0 GEMV) are loaded and this CPU runs them.</summary>
    public static bool VnniAvailable => Q8_0RowLanes != null;

    /// <summary>Whether the native fp16 GEMV and fp16 widening are loaded and this CPU runs them (AVX-512).</summary>
    public static bool F16Available => F16GemvRows != null;

    /// <summary>One line for logs: "native kernels: VNNI GEMM and GEMV on, fp16 GEMV and decode attention on", or why they are off.</summary>
    public static string Status { get; }

    /// <summary>The library's entry points: all null where it did not load, the VNNI ones null where the CPU lacks VNNI.</summary>
    private struct Exports
    {
        public Q8_0RowLanesFn Q8_0RowLanes;
        public QuantGemvRowsFn QuantGemvRows;
        public F16GemvRowsFn F16GemvRows;
        public F16GemvTokensFn F16GemvTokens;
        public F16ToF32Fn F16ToF32;
        public AttendDecodeFn AttendDecode;
    }

    private static readonly Exports s_exports;

    static NativeKernels()
    {
        try
        {
            Status = Load(out s_exports);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
        {
            s_exports = default; // none of a half-loaded library
            Status = $"native kernels off: {e.Message}";
        }
    }

    private static string Load(out Exports exports)
    {
        exports = default;
        if (Environment.GetEnvironmentVariable("SPLITWISE_NATIVE")?.Trim().ToLowerInvariant() is "off" or "0" or "false")
            return "native kernels off: SPLITWISE_NATIVE=off";
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return "native kernels off: built for Linux x64 only";
        if (CpuFeatures.Level != CpuFeatures.SimdLevel.Avx512) return $"native kernels off: SIMD level is {CpuFeatures.Level}, they need AVX-512";
        using var resource = typeof(NativeKernels).Assembly.GetManifestResourceStream(ResourceName);
        if (resource == null) return "native kernels off: not built (no C compiler when Splitwise.Kernels was compiled)";

        var bytes = new byte[resource.Length];
        resource.ReadExactly(bytes);
        string path = Extract(bytes);
        var library = NativeLibrary.Load(path);
        var version = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "sw_native_abi_version");
        if (version() != AbiVersion) return $"native kernels off: {path} has ABI {version()}, expected {AbiVersion}";
        exports.F16GemvRows = (F16GemvRowsFn)NativeLibrary.GetExport(library, "sw_f16_gemv_rows");
        exports.F16GemvTokens = (F16GemvTokensFn)NativeLibrary.GetExport(library, "sw_f16_gemv_tokens");
        exports.F16ToF32 = (F16ToF32Fn)NativeLibrary.GetExport(library, "sw_f16_to_f32");
        exports.AttendDecode = (AttendDecodeFn)NativeLibrary.GetExport(library, "sw_attend_decode");
        var hasVnni = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "sw_cpu_has_avx512_vnni");
        if (hasVnni() == 0) return "native kernels: VNNI GEMM and GEMV off (this CPU has no AVX-512 VNNI), fp16 GEMV and decode attention on";
        exports.Q8_0RowLanes = (Q8_0RowLanesFn)NativeLibrary.GetExport(library, "sw_q8_0_rowlanes_vnni");
        exports.QuantGemvRows = (QuantGemvRowsFn)NativeLibrary.GetExport(library, "sw_quant_gemv_rows");
        return "native kernels: VNNI GEMM and GEMV on, fp16 GEMV and decode attention on";
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
