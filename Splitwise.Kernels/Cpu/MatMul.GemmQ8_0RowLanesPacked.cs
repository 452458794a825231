using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Splitwise.Kernels.Quant;
using Splitwise.Kernels.Threading;

namespace Splitwise.Kernels.Cpu;

/// <summary>
/// An experiment kept for the benchmark (kernels --q8-paths, "row lanes packed" column): the row-lane GEMM over Q8_0
/// weights repacked once into the order its registers want, so a tile block is 16 plain widening loads with no
/// gather and no transpose, and a chunk reads one stream instead of 16 rows. The engine does not use it: it would need
/// a second copy of every Q8_0 matrix beside the row-major one the int8 GEMV reads. Measured gain: see
/// docs/benchmarks/q8-small-batch.
/// </summary>
public static unsafe partial class MatMul
{
    /// <summary>Bytes of one 16-row tile's 32-column block in <see cref="PackRowLanes"/>'s layout: 16 fp16 scales, 16×16 int8 pairs.</summary>
    private const int PackedTileBlockBytes = 32 + 512;

    /// <summary>
    /// w in the row-lane register order. Layout per 16-row tile, per 32-column block:
    /// the 16 rows' fp16 scales, then for k pair p = 0..15 the 16 rows' int8 pairs (row r at bytes 2r, 2r + 1).
    /// Rows past the matrix are zero.
    /// </summary>
    internal static NativeBuffer PackRowLanes(WeightMatrix w)
    {
        if (w.Type != WeightType.Q8_0) throw new ArgumentException($"Row-lane packing takes Q8_0 weights, not {w.Type}.", nameof(w));
        int blocks = w.Cols / 32, tiles = (w.Rows + RowLaneTile - 1) / RowLaneTile;
        var buffer = NativeBuffer.Allocate((long)tiles * blocks * PackedTileBlockBytes);
        for (int tile = 0; tile < tiles; tile++)
            for (int b = 0; b < blocks; b++)
            {
                byte* dst = buffer.Pointer + ((long)tile * blocks + b) * PackedTileBlockBytes;
                for (int r = 0; r < RowLaneTile && tile * RowLaneTile + r < w.Rows; r++)
                {
                    var blk = (BlockQ8_0*)w.Row(tile * RowLaneTile + r) + b;
                    ((ushort*)dst)[r] = blk->D;
                    for (int p = 0; p < 16; p++)
                    {
                        dst[32 + p * 32 + 2 * r] = (byte)blk->Qs[2 * p];
                        dst[32 + p * 32 + 2 * r + 1] = (byte)blk->Qs[2 * p + 1];
                    }
                }
            }
        return buffer;
    }

    /// <summary>y = x·Wᵀ through the row-lane GEMM from <paramref name="packed"/> (<see cref="PackRowLanes"/> of w). AVX-512.</summary>
    internal static void MultiplyPackedRowLanes(WeightMatrix w, NativeBuffer packed, float* x, int n, float* y, WorkerPool pool)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(packed);
        if (CpuFeatures.Level != CpuFeatures.SimdLevel.Avx512) throw new PlatformNotSupportedException("The row-lane Q8_0 GEMM needs AVX-512.");
        long need = (long)((w.Rows + RowLaneTile - 1) / RowLaneTile) * (w.Cols / 32) * PackedTileBlockBytes;
        if (packed.Length != need) throw new ArgumentException($"Packed weights for [{w.Rows}, {w.Cols}] take {need} bytes, got {packed.Length}.", nameof(packed));
        if (n <= 0) return;
        var job = new RowLanesJob(PackRowLaneActivations(x, n, w.Cols), n, w.Cols, accumulate: false, swiGlu: false);
        job.Add(w, y, pool, w.TotalBytes, packed.Pointer);
        pool.For(job.ChunkCount, ref job);
    }

    private partial struct RowLanesJob
    {
        /// <summary>As <see cref="Tile"/>, from a tile already in <see cref="PackRowLanes"/>'s layout: no gather, no transpose.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void PackedTile(byte* tileBase, int blocks, int t0, int t1, float* acc)
        {
            int n = _n;
            for (int b = 0; b < blocks; b++)
            {
                byte* blk = tileBase + (long)b * PackedTileBlockBytes;
                var weightScales = HalfBits.ToSingle(Avx512F.ConvertToVector512UInt32(Vector256.Load((ushort*)blk)));
                sbyte* q = (sbyte*)blk + 32;
                var w0 = Avx512BW.ConvertToVector512Int16(Vector256.Load(q)); var w1 = Avx512BW.ConvertToVector512Int16(Vector256.Load(q + 32));
                var w2 = Avx512BW.ConvertToVector512Int16(Vector256.Load(q + 64)); var w3 = Avx512BW.ConvertToVector512Int16(Vector256.Load(q + 96));
                var w4 = Avx512BW.ConvertToVector512Int16(Vector256.Load(q + 128)); var w5 = Avx512BW.ConvertToVector512Int16(Vector256.Load(q + 160));
                var w6 = Avx512BW.ConvertToVector512Int16(Vector256.Load(q + 192)); var w7 = Avx512BW.ConvertToVector512Int16(Vector256.Load(q + 224));
                var w8 = Avx512BW.ConvertToVector512Int16(Vector256.Load(q + 256)); var w9 = Avx512BW.ConvertToVector512Int16(Vector256.Load(q + 288));
                var w10 = Avx512BW.ConvertToVector512Int16(Vector256.Load(q + 320)); var w11 = Avx512BW.ConvertToVector512Int16(Vector256.Load(q + 352));
                var w12 = Avx512BW.ConvertToVector512Int16(Vector256.Load(q + 384)); var w13 = Avx512BW.ConvertToVector512Int16(Vector256.Load(q + 416));
                var w14 = Avx512BW.ConvertToVector512Int16(Vector256.Load(q + 448)); var w15 = Avx512BW.ConvertToVector512Int16(Vector256.Load(q + 480));

                int* xp = (int*)(_codes + ((long)b * n + t0) * 32);
                float* ts = _scales + (long)b * n;
                float* a = acc;
                for (int t = t0; t < t1; t++, xp += 16, a += RowLaneTile)
                {
                    // Four independent sums so the multiplies are not serialized on one add chain.
                    var s0 = Avx512BW.MultiplyAddAdjacent(w0, Vector512.Create(xp[0]).AsInt16());
                    var s1 = Avx512BW.MultiplyAddAdjacent(w1, Vector512.Create(xp[1]).AsInt16());
                    var s2 = Avx512BW.MultiplyAddAdjacent(w2, Vector512.Create(xp[2]).AsInt16());
                    var s3 = Avx512BW.MultiplyAddAdjacent(w3, Vector512.Create(xp[3]).AsInt16());
                    s0 += Avx512BW.MultiplyAddAdjacent(w4, Vector512.Create(xp[4]).AsInt16());
                    s1 += Avx512BW.MultiplyAddAdjacent(w5, Vector512.Create(xp[5]).AsInt16());
                    s2 += Avx512BW.MultiplyAddAdjacent(w6, Vector512.Create(xp[6]).AsInt16());
                    s3 += Avx512BW.MultiplyAddAdjacent(w7, Vector512.Create(xp[7]).AsInt16());
                    s0 += Avx512BW.MultiplyAddAdjacent(w8, Vector512.Create(xp[8]).AsInt16());
                    s1 += Avx512BW.MultiplyAddAdjacent(w9, Vector512.Create(xp[9]).AsInt16());
                    s2 += Avx512BW.MultiplyAddAdjacent(w10, Vector512.Create(xp[10]).AsInt16());
                    s3 += Avx512BW.MultiplyAddAdjacent(w11, Vector512.Create(xp[11]).AsInt16());
                    s0 += Avx512BW.MultiplyAddAdjacent(w12, Vector512.Create(xp[12]).AsInt16());
                    s1 += Avx512BW.MultiplyAddAdjacent(w13, Vector512.Create(xp[13]).AsInt16());
                    s2 += Avx512BW.MultiplyAddAdjacent(w14, Vector512.Create(xp[14]).AsInt16());
                    s3 += Avx512BW.MultiplyAddAdjacent(w15, Vector512.Create(xp[15]).AsInt16());
                    var sum = Vector512.ConvertToSingle((s0 + s1) + (s2 + s3));
                    Vector512.FusedMultiplyAdd(sum, weightScales * Vector512.Create(ts[t]), Vector512.Load(a)).Store(a);
                }
            }
        }
    }
}
