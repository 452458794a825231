using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Splitwise.Kernels.Quant;

/// <summary>
/// Activation rows quantized once per matmul to int8 blocks of 32 (like ggml's Q8_0 activations): per block a float
/// scale d = max|x| / 127, 32 values round(x / d) in [-127, 127], and their integer sum (used by weight formats with an
/// offset or a min). The rounding error per element is at most d / 2, which bounds the matmul error: see the tests.
/// </summary>
internal sealed unsafe class QuantizedActivations : IDisposable
{
    public const int BlockSize = 32;

    private NativeBuffer _buffer = NativeBuffer.Allocate(64);
    private int _capacityBlocks;

    public sbyte* Values { get; private set; }
    public float* Scales { get; private set; }
    public int* Sums { get; private set; }
    public int BlocksPerRow { get; private set; }

    [ThreadStatic] private static QuantizedActivations? s_perThread;

    /// <summary>A scratch instance owned by the calling thread (matmuls on one thread never overlap).</summary>
    public static QuantizedActivations ForCurrentThread() => s_perThread ??= new QuantizedActivations();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]

    public void Quantize(float* x, int rows, int cols, CpuFeatures.SimdLevel level)
    {
        int blocks = cols / BlockSize;
        Ensure(rows * blocks);
        BlocksPerRow = blocks;
        for (int i = 0; i < rows; i++)
        {
            float* src = x + (long)i * cols;
            for (int b = 0; b < blocks; b++)
            {
                long k = (long)i * blocks + b;
                QuantizeBlock(src + b * BlockSize, Values + k * BlockSize, out Scales[k], out Sums[k], level);
            }
        }
    }

    public sbyte* RowValues(int row) => Values + (long)row * BlocksPerRow * BlockSize;
    public float* RowScales(int row) => Scales + (long)row * BlocksPerRow;
    public int* RowSums(int row) => Sums + (long)row * BlocksPerRow;

    internal static void QuantizeBlock(float* x, sbyte* q, out float scale, out int sum, CpuFeatures.SimdLevel level)
    {
        if (level >= CpuFeatures.SimdLevel.Avx2)
        {
            var a = Vector256.Load(x);
            var b = Vector256.Load(x + 8);
            var c = Vector256.Load(x + 16);
            var e = Vector256.Load(x + 24);
            var m = Vector256.Max(Vector256.Max(Vector256.Abs(a), Vector256.Abs(b)), Vector256.Max(Vector256.Abs(c), Vector256.Abs(e)));
            float amax = 0;
            for (int j = 0; j < 8; j++) amax = MathF.Max(amax, m[j]);
            scale = amax / 127f;
            var inv = Vector256.Create(amax > 0 ? 127f / amax : 0f);
            var ia = Vector256.ConvertToInt32(Vector256.Round(a * inv));
            var ib = Vector256.ConvertToInt32(Vector256.Round(b * inv));
            var ic = Vector256.ConvertToInt32(Vector256.Round(c * inv));
            var ie = Vector256.ConvertToInt32(Vector256.Round(e * inv));
            sum = Vector256.Sum(ia + ib + ic + ie);
            var lo = Vector256.Narrow(ia, ib);
            var hi = Vector256.Narrow(ic, ie);
            // Narrow works per element in order, so the 32 bytes come out in source order.
            Vector256.Narrow(lo, hi).Store(q);
            return;
        }
        float max = 0;
        for (int j = 0; j < BlockSize; j++) max = MathF.Max(max, MathF.Abs(x[j]));
        scale = max / 127f;
        float invScale = max > 0 ? 127f / max : 0f;
        int s = 0;
        for (int j = 0; j < BlockSize; j++)
        {
            int v = (int)MathF.Round(x[j] * invScale);
            q[j] = (sbyte)v;
            s += v;
        }
        sum = s;
    }

    private void Ensure(int blocks)
    {
        if (blocks <= _capacityBlocks) return;
        _buffer.Dispose();
        int capacity = Math.Max(blocks, _capacityBlocks * 2);
        // values, then scales, then sums: each region 64-byte aligned.
        long valueBytes = (long)capacity * BlockSize;
        long scaleBytes = ((long)capacity * 4 + 63) & ~63L;
        _buffer = NativeBuffer.Allocate(valueBytes + 2 * scaleBytes, zero: false);
        Values = (sbyte*)_buffer.Pointer;
        Scales = (float*)(_buffer.Pointer + valueBytes);
        Sums = (int*)(_buffer.Pointer + valueBytes + scaleBytes);
        _capacityBlocks = capacity;
    }

    public void Dispose() => _buffer.Dispose();
}
