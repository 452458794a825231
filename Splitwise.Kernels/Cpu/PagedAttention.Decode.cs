using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Splitwise.Kernels.Quant;

namespace Splitwise.Kernels.Cpu;

/// <summary>
/// Decode attention (one query token, AVX-512, 16-slot blocks, whole-vector head sizes) in spans of up to
/// <see cref="SpanTiles"/> blocks, two passes each: first every head's scores for the span's keys, then one softmax
/// over the span per head, then the values summed with each head's output held in registers for the whole span.
/// The tile-by-tile online softmax before it ran a chain of dependent steps per head and block (maximum, rescale,
/// exponentials, sum) that the core could not overlap, and re-read each value row once per head; here the span's
/// maximum and exponentials are independent vector work, a value row is loaded once for up to four heads, and the
/// output is rescaled once per span instead of once per block.
/// The cache is cold in decode (the weights streamed since the last layer evicted it), so memory is requested ahead,
/// spread over the work (a slice per head, or per row): each tile's scores ask for the K tile
/// <see cref="KeyLookahead"/> blocks on, and each tile's value sums for a V tile of the next span (the first span's
/// V is asked for during its own key pass). fp16 tiles are widened by the native vcvtph2ps loop where it is loaded
/// (a tile at a time, into scratch), else in registers.
/// Where the native library loads, a decode step goes through <see cref="DecodeAttention"/> instead (the same spans in C,
/// split by blocks rather than KV heads); this path serves builds without it and batches that mix prefill and decode.
/// </summary>
public static unsafe partial class PagedAttention
{
    /// <summary>Blocks per span (128 positions): the softmax and the output rescale run once per span and head.</summary>
    private const int SpanTiles = 8;

    /// <summary>Blocks between a K tile's request and its scores.</summary>
    private const int KeyLookahead = 2;

    /// <summary>Floats the decode path uses past the tiled path's scratch: a span's scores for four heads and its widened fp16 values.</summary>
    private static int SpanScratchFloats(int headDim) => ScoreHeads * SpanTiles * 16 + SpanTiles * 16 * headDim;

    private static void AttendDecode(float* query, int groupSize, int kvHead, in PagedKvView kv, ReadOnlySpan<int> blockTable,
                                     int context, float scale, float* output, float* scratch, bool nativeF16)
    {
        if (kv.HeadDim == 64) AttendDecode<HeadDim64>(query, groupSize, kvHead, kv, blockTable, context, scale, output, scratch, nativeF16);
        else AttendDecode<AnyHeadDim>(query, groupSize, kvHead, kv, blockTable, context, scale, output, scratch, nativeF16);
    }

    /// <summary>
    /// The head size as a type: 64, the most common, is a constant the JIT folds into the score loops (their per-slot
    /// branches on the head size go away); any other is read at run time.
    /// </summary>
    private interface IHeadDim { static abstract int Of(in PagedKvView kv); }
    private struct HeadDim64 : IHeadDim { public static int Of(in PagedKvView kv) => 64; }
    private struct AnyHeadDim : IHeadDim { public static int Of(in PagedKvView kv) => kv.HeadDim; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AttendDecode<THeadDim>(float* query, int groupSize, int kvHead, in PagedKvView kv, ReadOnlySpan<int> blockTable,
                                               int context, float scale, float* output, float* scratch, bool nativeF16) where THeadDim : struct, IHeadDim
    {
        int d = THeadDim.Of(kv), elementBytes = kv.ElementBytes, tileLines = 16 * d * elementBytes / 64;
        float* keyScratch = scratch;                          // [16][d]: an fp16 K tile widened
        float* scores = scratch + 2 * 16 * d;                 // [4][SpanTiles · 16]
        float* valueScratch = scores + ScoreHeads * SpanTiles * 16; // [SpanTiles · 16][d]: a span's fp16 V widened
        bool widen = kv.F16 && nativeF16 && Native.NativeKernels.F16ToF32 != null;
        int tiles = (context + 15) / 16;
        // Equal spans, so a context just past a span's length does not leave a span of one block.
        int spans = (tiles + SpanTiles - 1) / SpanTiles, spanLength = (tiles + spans - 1) / spans;
        byte** values = stackalloc byte*[SpanTiles];
        byte** keysAhead = stackalloc byte*[SpanTiles];
        byte** valuesAhead = stackalloc byte*[SpanTiles];
        for (int h0 = 0; h0 < groupSize; h0 += ScoreHeads)
        {
            int heads = Math.Min(ScoreHeads, groupSize - h0);
            float* q = query + h0 * d, o = output + h0 * d;
            new Span<float>(o, heads * d).Clear();
            var runningMax = Vector128.Create(float.NegativeInfinity);
            var runningSum = Vector128<float>.Zero;
            for (int b = 0; b < KeyLookahead && b < tiles; b++) PrefetchLines(TileAddress(kv, kvHead, blockTable, b, value: false), tileLines, 0, 1);
            for (int first = 0; first < tiles; first += spanLength)
            {
                int last = Math.Min(tiles, first + spanLength), length = last - first, nextLength = Math.Min(spanLength, tiles - last);
                int slots = Math.Min(context, last * 16) - first * 16, lastValid = Math.Min(16, context - (last - 1) * 16);
                for (int i = 0; i < length; i++)
                {
                    // Past the end the requests go to scratch already in cache: no branch in the loops.
                    int keyAhead = first + i + KeyLookahead;
                    keysAhead[i] = keyAhead < tiles ? TileAddress(kv, kvHead, blockTable, keyAhead, value: false) : (byte*)scores;
                    valuesAhead[i] = i < nextLength ? TileAddress(kv, kvHead, blockTable, last + i, value: true) : (byte*)scores;
                    values[i] = TileAddress(kv, kvHead, blockTable, first + i, value: true);
                }
                // The first span's values have no value pass before them to be requested in: its key pass asks for them.
                int valueLines = first == 0 ? tileLines : 0;
                for (int b = first; b < last; b++)
                    ScoreTile(q, heads, d, kv, TileAddress(kv, kvHead, blockTable, b, value: false), Math.Min(16, context - b * 16), scale,
                              keyScratch, widen, scores + (b - first) * 16, keysAhead[b - first], tileLines, values[b - first], valueLines);
                var correction = SpanSoftmax(scores, heads, slots, ref runningMax, ref runningSum);
                if (widen)
                {
                    for (int i = 0; i < length; i++)
                    {
                        float* wide = valueScratch + i * 16 * d;
                        Native.NativeKernels.F16ToF32((ushort*)values[i], wide, (i == length - 1 ? lastValid : 16) * d);
                        values[i] = (byte*)wide;
                    }
                    SumValues<F32Values>(values, valuesAhead, elementBytes, length, lastValid, d, scores, heads, correction, o);
                }
                else if (kv.F16) SumValues<F16Values>(values, valuesAhead, elementBytes, length, lastValid, d, scores, heads, correction, o);
                else SumValues<F32Values>(values, valuesAhead, elementBytes, length, lastValid, d, scores, heads, correction, o);
            }
            var inverse = Vector128<float>.One / runningSum;
            for (int h = 0; h < heads; h++) Scale(o + h * d, d, inverse.GetElement(h));
        }
    }

    private static byte* TileAddress(in PagedKvView kv, int kvHead, ReadOnlySpan<int> blockTable, int block, bool value)
        => (value ? kv.Values : kv.Keys) + kv.Offset(blockTable[block], kvHead) * kv.ElementBytes;

    /// <summary>
    /// Scores of one block for each head, into scores[h · SpanTiles · 16 + slot]; slots past the context score -∞.
    /// A slice of the tile <paramref name="ahead"/> is requested before each head's scores.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScoreTile(float* q, int heads, int d, in PagedKvView kv, byte* tile, int valid, float scale, float* keyScratch, bool widen,
                                  float* scores, byte* ahead, int aheadLines, byte* values, int valueLines)
    {
        // fp16 keys are widened once per tile, not once per head.
        float* keys = (float*)tile;
        if (widen)
        {
            Native.NativeKernels.F16ToF32((ushort*)tile, keyScratch, valid * d);
            keys = keyScratch;
        }
        else if (kv.F16) keys = Convert((Half*)tile, valid * d, keyScratch, wide: true);
        for (int h = 0; h < heads; h++)
        {
            PrefetchLines(ahead, aheadLines, h, heads);
            PrefetchLines(values, valueLines, h, heads);
            var s = DirectTileScores(q + h * d, keys, d, valid, scale);
            if (valid < 16) s = Vector512.ConditionalSelect(ValidSlots(valid), s, Vector512.Create(float.NegativeInfinity));
            s.Store(scores + h * SpanTiles * 16);
        }
    }

    /// <summary>
    /// Turns each head's span of scores into weights exp(score - max) in place, where max is the larger of the running
    /// maximum and the span's; updates the running maxima and sums (lane h = head h) and returns each head's factor
    /// exp(old max - new max) for the output summed so far.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> SpanSoftmax(float* scores, int heads, int slots, ref Vector128<float> runningMax, ref Vector128<float> runningSum)
    {
        var correction = Vector128<float>.One;
        int chunks = (slots + 15) / 16;
        for (int h = 0; h < heads; h++)
        {
            float* s = scores + h * SpanTiles * 16;
            // Scores past the context are -∞ within the last tile; whole chunks past it are never read.
            var m = Vector512.Load(s);
            for (int c = 1; c < chunks; c++) m = Vector512.Max(m, Vector512.Load(s + c * 16));
            float old = runningMax.GetElement(h), max = MathF.Max(old, HorizontalMax(m));
            var shift = Vector512.Create(max);
            Vector512<float> sum0 = default, sum1 = default;
            int k = 0;
            for (; k + 2 <= chunks; k += 2)
            {
                var w0 = VectorExp.NonPositive(Vector512.Load(s + k * 16) - shift);
                var w1 = VectorExp.NonPositive(Vector512.Load(s + k * 16 + 16) - shift);
                w0.Store(s + k * 16);
                w1.Store(s + k * 16 + 16);
                sum0 += w0;
                sum1 += w1;
            }
            if (k < chunks)
            {
                var w = VectorExp.NonPositive(Vector512.Load(s + k * 16) - shift);
                w.Store(s + k * 16);
                sum0 += w;
            }
            float factor = old == max ? 1f : MathF.Exp(old - max);
            correction = correction.WithElement(h, factor);
            runningMax = runningMax.WithElement(h, max);
            runningSum = runningSum.WithElement(h, runningSum.GetElement(h) * factor + Vector512.Sum(sum0 + sum1));
        }
        return correction;
    }

    /// <summary>
    /// o_h = o_h · correction_h + Σ_slot w_h[slot] · V[slot] over the span, 64 columns at a time with every head's
    /// columns in registers across the whole span: each value row (widened in registers when fp16) is loaded once for
    /// all the heads, each weight is a broadcast from memory; row t of tile i asks for row t of valuesAhead[i].
    /// The tiles' addresses come in worked out: a call inside the loop (the JIT did not inline the block offset) made
    /// it keep the accumulators on the stack.
    /// </summary>
    private static void SumValues<TValues>(byte** values, byte** valuesAhead, int aheadElementBytes, int tiles, int lastValid, int d,
                                           float* weights, int heads, Vector128<float> correction, float* o) where TValues : struct, IValueRow
    {
        switch (heads)
        {
            case 1: SumValues<TValues, One>(values, valuesAhead, aheadElementBytes, tiles, lastValid, d, weights, correction, o); break;
            case 2: SumValues<TValues, Two>(values, valuesAhead, aheadElementBytes, tiles, lastValid, d, weights, correction, o); break;
            case 3: SumValues<TValues, Three>(values, valuesAhead, aheadElementBytes, tiles, lastValid, d, weights, correction, o); break;
            default: SumValues<TValues, Four>(values, valuesAhead, aheadElementBytes, tiles, lastValid, d, weights, correction, o); break;
        }
    }

    private interface IHeadCount { static abstract int Count { get; } }
    private struct One : IHeadCount { public static int Count => 1; }
    private struct Two : IHeadCount { public static int Count => 2; }
    private struct Three : IHeadCount { public static int Count => 3; }
    private struct Four : IHeadCount { public static int Count => 4; }

    /// <summary>16 values of a V row as fp32, by the cache's element type.</summary>
    private interface IValueRow
    {
        static abstract int ElementBytes { get; }
        static abstract Vector512<float> Load(byte* p);
    }

    private struct F32Values : IValueRow
    {
        public static int ElementBytes => 4;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(byte* p) => Vector512.Load((float*)p);
    }

    private struct F16Values : IValueRow
    {
        public static int ElementBytes => 2;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(byte* p) => HalfBits.Load16((ushort*)p);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumValues<TValues, THeads>(byte** values, byte** valuesAhead, int aheadElementBytes, int tiles, int lastValid, int d,
                                                   float* weights, Vector128<float> correction, float* o)
        where TValues : struct, IValueRow where THeads : struct, IHeadCount
    {
        const int stride = SpanTiles * 16;
        int e = TValues.ElementBytes, rowBytes = d * e, aheadRowBytes = d * aheadElementBytes;
        float* o0 = o, o1 = o + d, o2 = o + 2 * d, o3 = o + 3 * d;
        var k0 = Vector512.Create(correction.GetElement(0));
        var k1 = Vector512.Create(correction.GetElement(1));
        var k2 = Vector512.Create(correction.GetElement(2));
        var k3 = Vector512.Create(correction.GetElement(3));
        int c = 0;
        for (; c + 64 <= d; c += 64)
        {
            Vector512<float> a00 = Vector512.Load(o0 + c) * k0, a01 = Vector512.Load(o0 + c + 16) * k0,
                             a02 = Vector512.Load(o0 + c + 32) * k0, a03 = Vector512.Load(o0 + c + 48) * k0;
            Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
            Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
            Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
            if (THeads.Count > 1) { a10 = Vector512.Load(o1 + c) * k1; a11 = Vector512.Load(o1 + c + 16) * k1; a12 = Vector512.Load(o1 + c + 32) * k1; a13 = Vector512.Load(o1 + c + 48) * k1; }
            if (THeads.Count > 2) { a20 = Vector512.Load(o2 + c) * k2; a21 = Vector512.Load(o2 + c + 16) * k2; a22 = Vector512.Load(o2 + c + 32) * k2; a23 = Vector512.Load(o2 + c + 48) * k2; }
            if (THeads.Count > 3) { a30 = Vector512.Load(o3 + c) * k3; a31 = Vector512.Load(o3 + c + 16) * k3; a32 = Vector512.Load(o3 + c + 32) * k3; a33 = Vector512.Load(o3 + c + 48) * k3; }
            for (int i = 0; i < tiles; i++)
            {
                byte* row = values[i] + c * e, end = row + (i == tiles - 1 ? lastValid : 16) * rowBytes;
                byte* ahead = valuesAhead[i] + c * aheadElementBytes;
                float* w = weights + i * 16;
                for (; row < end; row += rowBytes, ahead += aheadRowBytes, w++)
                {
                    // 64 columns of the same row of the next span's tile: 2 lines of fp16, 4 of fp32.
                    if (Sse.IsSupported)
                    {
                        Sse.Prefetch1(ahead);
                        Sse.Prefetch1(ahead + 64);
                        if (aheadElementBytes > 2) { Sse.Prefetch1(ahead + 128); Sse.Prefetch1(ahead + 192); }
                    }
                    var v0 = TValues.Load(row); var v1 = TValues.Load(row + 16 * e);
                    var v2 = TValues.Load(row + 32 * e); var v3 = TValues.Load(row + 48 * e);
                    var p = Vector512.Create(w[0]);
                    a00 = Vector512.FusedMultiplyAdd(p, v0, a00); a01 = Vector512.FusedMultiplyAdd(p, v1, a01);
                    a02 = Vector512.FusedMultiplyAdd(p, v2, a02); a03 = Vector512.FusedMultiplyAdd(p, v3, a03);
                    if (THeads.Count > 1)
                    {
                        p = Vector512.Create(w[stride]);
                        a10 = Vector512.FusedMultiplyAdd(p, v0, a10); a11 = Vector512.FusedMultiplyAdd(p, v1, a11);
                        a12 = Vector512.FusedMultiplyAdd(p, v2, a12); a13 = Vector512.FusedMultiplyAdd(p, v3, a13);
                    }
                    if (THeads.Count > 2)
                    {
                        p = Vector512.Create(w[2 * stride]);
                        a20 = Vector512.FusedMultiplyAdd(p, v0, a20); a21 = Vector512.FusedMultiplyAdd(p, v1, a21);
                        a22 = Vector512.FusedMultiplyAdd(p, v2, a22); a23 = Vector512.FusedMultiplyAdd(p, v3, a23);
                    }
                    if (THeads.Count > 3)
                    {
                        p = Vector512.Create(w[3 * stride]);
                        a30 = Vector512.FusedMultiplyAdd(p, v0, a30); a31 = Vector512.FusedMultiplyAdd(p, v1, a31);
                        a32 = Vector512.FusedMultiplyAdd(p, v2, a32); a33 = Vector512.FusedMultiplyAdd(p, v3, a33);
                    }
                }
            }
            a00.Store(o0 + c); a01.Store(o0 + c + 16); a02.Store(o0 + c + 32); a03.Store(o0 + c + 48);
            if (THeads.Count > 1) { a10.Store(o1 + c); a11.Store(o1 + c + 16); a12.Store(o1 + c + 32); a13.Store(o1 + c + 48); }
            if (THeads.Count > 2) { a20.Store(o2 + c); a21.Store(o2 + c + 16); a22.Store(o2 + c + 32); a23.Store(o2 + c + 48); }
            if (THeads.Count > 3) { a30.Store(o3 + c); a31.Store(o3 + c + 16); a32.Store(o3 + c + 32); a33.Store(o3 + c + 48); }
        }
        // Head sizes that are not a multiple of 64: the last 16-column chunks, one register per head.
        for (; c < d; c += 16)
        {
            var a0 = Vector512.Load(o0 + c) * k0;
            var a1 = THeads.Count > 1 ? Vector512.Load(o1 + c) * k1 : default;
            var a2 = THeads.Count > 2 ? Vector512.Load(o2 + c) * k2 : default;
            var a3 = THeads.Count > 3 ? Vector512.Load(o3 + c) * k3 : default;
            for (int i = 0; i < tiles; i++)
            {
                byte* row = values[i] + c * e, end = row + (i == tiles - 1 ? lastValid : 16) * rowBytes;
                float* w = weights + i * 16;
                for (; row < end; row += rowBytes, w++)
                {
                    var v = TValues.Load(row);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(w[0]), v, a0);
                    if (THeads.Count > 1) a1 = Vector512.FusedMultiplyAdd(Vector512.Create(w[stride]), v, a1);
                    if (THeads.Count > 2) a2 = Vector512.FusedMultiplyAdd(Vector512.Create(w[2 * stride]), v, a2);
                    if (THeads.Count > 3) a3 = Vector512.FusedMultiplyAdd(Vector512.Create(w[3 * stride]), v, a3);
                }
            }
            a0.Store(o0 + c);
            if (THeads.Count > 1) a1.Store(o1 + c);
            if (THeads.Count > 2) a2.Store(o2 + c);
            if (THeads.Count > 3) a3.Store(o3 + c);
        }
    }
}
