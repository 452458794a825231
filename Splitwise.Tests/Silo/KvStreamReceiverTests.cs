using Splitwise.Engine.Cache;
using Splitwise.Engine.Config;
using Splitwise.Silo.KvTransfer;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Silo;

/// <summary>
/// The receiver driven frame by frame over an in-memory connection, on a small cache: what lands where, what is
/// refused and why, and that a refusal touches only its own request. Time is a manual clock.
/// </summary>
public sealed class KvStreamReceiverTests : IAsyncLifetime
{
    private static readonly ModelConfig Shape = new()
    {
        Architecture = "llama", HiddenSize = 16, IntermediateSize = 16, LayerCount = 2, HeadCount = 4, KvHeadCount = 2,
        HeadDim = 4, VocabSize = 16, MaxPositionEmbeddings = 64,
    };
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(5);

    private readonly ManualTimeProvider _time = new();
    private readonly KvCache _cache = new(Shape, 16, 4, KvDataType.F32);
    private readonly List<long> _expired = [];
    private KvStreamReceiver _receiver = null!;
    private InMemoryKvTransport _transport = null!;
    private RawKvPeer _peer = null!;

    public async Task InitializeAsync()
    {
        (_receiver, _transport, _peer) = await OpenAsync(new KvTransferOptions { Lease = Lease, ClusterSecret = "alpha" }, "alpha");
    }

    private async Task<(KvStreamReceiver, InMemoryKvTransport, RawKvPeer)> OpenAsync(KvTransferOptions options, string? peerSecret)
    {
        var receiver = new KvStreamReceiver(_cache, options, _time);
        var transport = new InMemoryKvTransport();
        transport.Register("token", receiver);
        var peer = await RawKvPeer.ConnectAsync(transport, "token", peerSecret);
        return (receiver, transport, peer);
    }

    public async Task DisposeAsync()
    {
        await _peer.DisposeAsync();
        await _transport.DisposeAsync();
        _receiver.Dispose();
        _cache.Dispose();
    }

    private static float Value(int layer, int token, int head, int dim, bool isValue) => layer * 100 + token + head * 0.25f + dim * 0.0625f + (isValue ? 50 : 0);

    private static KvFrame Frame(long id, int layer, int tokenStart, int tokenCount, int headStart = 0, int heads = 2,
        KvElementType type = KvElementType.F32, int headDim = 4)
    {
        int elem = KvFrame.ElementBytes(type);
        var payload = new byte[2 * tokenCount * heads * headDim * elem];
        int i = 0;
        foreach (bool isValue in new[] { false, true })
            for (int t = 0; t < tokenCount; t++)
                for (int h = 0; h < heads; h++)
                    for (int d = 0; d < headDim; d++, i++)
                    {
                        float v = Value(layer, tokenStart + t, headStart + h, d, isValue);
                        if (elem == 4) BitConverter.TryWriteBytes(payload.AsSpan(i * 4), v);
                        else BitConverter.TryWriteBytes(payload.AsSpan(i * 2), (Half)v);
                    }
        return new KvFrame(KvFrameKind.LayerData, id, layer, headStart, heads, tokenStart, tokenCount, headDim, type, payload);
    }

    /// <summary>Every layer of a <paramref name="tokens"/>-token prompt, then End.</summary>
    private static KvFrame[] Whole(long id, int tokens) => [Frame(id, 0, 0, tokens), Frame(id, 1, 0, tokens), KvFrame.End(id)];

    private async Task<KvFrame> ExpectReplyAsync(KvFrameKind kind, long id)
    {
        var reply = await _peer.ReadAsync();
        Assert.Equal((kind, id), (reply.Kind, reply.RequestId));
        return reply;
    }

    private void Expect(long id, int[] blocks, int tokens) => _receiver.Expect(id, blocks, tokens, _expired.Add);

    [Fact]
    public async Task Frames_split_by_heads_and_out_of_order_land_in_the_reserved_blocks_and_End_is_acknowledged()
    {
        int[] blocks = [5, 2, 9];
        Expect(1, blocks, 10);
        var done = _receiver.WaitCompleteAsync(1, CancellationToken.None);
        await _peer.SendAsync(Frame(1, 1, 4, 6, headStart: 1, heads: 1), Frame(1, 0, 0, 10), Frame(1, 1, 0, 10, headStart: 0, heads: 1),
            Frame(1, 1, 0, 5, headStart: 1, heads: 1), KvFrame.End(1));
        await ExpectReplyAsync(KvFrameKind.Ack, 1);
        await done.WaitAsync(TimeSpan.FromSeconds(10));

        for (int layer = 0; layer < 2; layer++)
        {
            var landed = new byte[_cache.TokenRangeBytes(10, 2)];
            _cache.CopyTokensOut(layer, blocks, 0, 10, 0, 2, landed);
            Assert.Equal(Frame(1, layer, 0, 10).Payload.ToArray(), landed);
        }
        var stats = _receiver.Stats;
        Assert.Equal((1L, 0L, 0L), (stats.Transfers, stats.FramesRejected, stats.TransfersFailed));
        Assert.True(stats.BytesReceived > 2 * _cache.TokenRangeBytes(10, 2));
        Assert.True(_receiver.Forget(1));
        Assert.False(_receiver.Forget(1));
    }

    [Fact]
    public async Task An_End_before_every_token_arrived_is_refused_and_fails_the_request()
    {
        Expect(1, [0, 1, 2], 10);
        var done = _receiver.WaitCompleteAsync(1, CancellationToken.None);
        await _peer.SendAsync(Frame(1, 0, 0, 10), Frame(1, 1, 0, 8), KvFrame.End(1));
        var nack = await ExpectReplyAsync(KvFrameKind.Nack, 1);
        Assert.Contains("layer 1, KV head 0 has 8 of 10", nack.Reason);
        var error = await Assert.ThrowsAsync<KvTransferException>(() => done.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, error.RequestId);
        Assert.Equal(1, _receiver.Stats.TransfersFailed);
    }

    public static TheoryData<string, string> BadFrames() => new()
    {
        { "layer", "layer 2 is outside" },
        { "heads", "KV heads 1+2 are outside" },
        { "tokens", "tokens 8+4 are outside the 10-token prompt" },
        { "dtype", "element type F16 differs" },
        { "head dim", "head dim 8 differs" },
    };

    [Theory, MemberData(nameof(BadFrames))]
    public async Task A_frame_that_does_not_fit_its_reservation_fails_only_its_own_request(string what, string expected)
    {
        Expect(1, [0, 1, 2], 10);
        Expect(2, [3, 4, 5], 10);
        var hit = _receiver.WaitCompleteAsync(1, CancellationToken.None);
        var bad = what switch
        {
            "layer" => Frame(1, 2, 0, 10) with { },
            "heads" => Frame(1, 0, 0, 10, headStart: 1, heads: 2),
            "tokens" => Frame(1, 0, 8, 4),
            "dtype" => Frame(1, 0, 0, 10, type: KvElementType.F16),
            _ => Frame(1, 0, 0, 10, headDim: 8),
        };
        await _peer.SendAsync(Frame(2, 0, 0, 10), bad, Frame(2, 1, 0, 10), KvFrame.End(2), KvFrame.End(1));
        var nack = await ExpectReplyAsync(KvFrameKind.Nack, 1);
        Assert.Contains(expected, nack.Reason);
        await ExpectReplyAsync(KvFrameKind.Ack, 2);
        await ExpectReplyAsync(KvFrameKind.Nack, 1); // its End, answered with the same refusal
        await _receiver.WaitCompleteAsync(2, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        var error = await Assert.ThrowsAsync<KvTransferException>(() => hit.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains(expected, error.Message);
        Assert.Equal((1L, 1L), (_receiver.Stats.Transfers, _receiver.Stats.TransfersFailed));
    }

    [Fact]
    public async Task A_payload_corrupted_in_flight_is_refused_by_request_id_and_the_next_request_completes()
    {
        Expect(1, [0, 1, 2], 10);
        Expect(2, [3, 4, 5], 10);
        var corrupt = KvFrameCodec.Encode(Frame(1, 0, 0, 10));
        corrupt[KvFrameCodec.HeaderBytes + 33] ^= 0x40;
        await _peer.SendBytesAsync(corrupt);
        await _peer.SendAsync(Whole(2, 10));
        Assert.Contains("checksum", (await ExpectReplyAsync(KvFrameKind.Nack, 1)).Reason);
        await ExpectReplyAsync(KvFrameKind.Ack, 2);
        await Assert.ThrowsAsync<KvTransferException>(() => _receiver.WaitCompleteAsync(1, CancellationToken.None));
        Assert.Equal(1, _receiver.Stats.FramesRejected);
    }

    [Fact]
    public async Task Frames_for_an_unknown_request_are_refused_and_change_nothing()
    {
        Expect(2, [3, 4, 5], 10);
        await _peer.SendAsync(Frame(77, 0, 0, 4), KvFrame.End(77));
        await _peer.SendAsync(Whole(2, 10));
        Assert.Contains("not expected", (await ExpectReplyAsync(KvFrameKind.Nack, 77)).Reason);
        await ExpectReplyAsync(KvFrameKind.Nack, 77);
        await ExpectReplyAsync(KvFrameKind.Ack, 2);
        Assert.Equal((2L, 1L, 0L), (_receiver.Stats.FramesRejected, _receiver.Stats.Transfers, _receiver.Stats.TransfersFailed));
        var error = await Assert.ThrowsAsync<KvTransferException>(() => _receiver.WaitCompleteAsync(77, CancellationToken.None));
        Assert.Equal(77, error.RequestId);
    }

    [Fact]
    public async Task A_silent_request_expires_once_and_its_late_frames_are_refused()
    {
        Expect(1, [0, 1, 2], 10);
        var waiting = _receiver.WaitCompleteAsync(1, CancellationToken.None);
        _time.Advance(Lease - TimeSpan.FromMilliseconds(100));
        Assert.Empty(_expired);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal([1L], _expired);
        Assert.Contains("lease expired", (await Assert.ThrowsAsync<KvTransferException>(() => waiting)).Message);

        await _peer.SendAsync(Whole(1, 10));
        Assert.Contains("not expected", (await ExpectReplyAsync(KvFrameKind.Nack, 1)).Reason);
        _time.Advance(Lease * 3);
        Assert.Equal([1L], _expired);
        Assert.False(_receiver.Forget(1));
    }

    [Fact]
    public async Task Each_valid_frame_renews_the_lease_and_a_finished_transfer_still_expires_if_decode_never_starts()
    {
        Expect(1, [0, 1, 2], 10);
        Expect(2, [3, 4, 5], 4);
        _time.Advance(TimeSpan.FromSeconds(4));
        // Request 2's Ack tells us request 1's frame, sent before it on the same connection, was handled.
        await _peer.SendAsync([Frame(1, 0, 0, 10), .. Whole(2, 4)]);
        await ExpectReplyAsync(KvFrameKind.Ack, 2);
        _receiver.Forget(2);
        _time.Advance(TimeSpan.FromSeconds(4)); // 8 s since Expect, 4 s since its last frame
        Assert.Empty(_expired);

        await _peer.SendAsync(Frame(1, 1, 0, 10), KvFrame.End(1));
        await ExpectReplyAsync(KvFrameKind.Ack, 1);
        await _receiver.WaitCompleteAsync(1, CancellationToken.None);
        _time.Advance(Lease + TimeSpan.FromSeconds(2));
        Assert.Equal([1L], _expired);
    }

    [Fact]
    public async Task Renew_extends_a_lease_while_the_prefill_waits()
    {
        Expect(1, [0, 1, 2], 10);
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.True(_receiver.Renew(1));
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Empty(_expired);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal([1L], _expired);
        Assert.False(_receiver.Renew(1));
        await Task.CompletedTask;
    }

    [Fact]
    public void A_lease_that_ran_out_before_the_sweep_saw_it_is_expired_by_renew_not_revived()
    {
        Expect(1, [0, 1, 2], 10);
        // The sweep runs every second and last ran at exactly the deadline (not yet past it); half a second later the lease is over.
        _time.Advance(Lease + TimeSpan.FromMilliseconds(500));
        Assert.Empty(_expired);
        Assert.False(_receiver.Renew(1));
        Assert.Equal([1L], _expired);
        Assert.False(_receiver.Renew(1));
        Assert.Equal([1L], _expired);
        Assert.Equal(1, _receiver.Stats.TransfersFailed);
    }

    [Fact]
    public async Task An_abort_fails_the_request_without_a_reply_and_forget_ends_it()
    {
        Expect(1, [0, 1, 2], 10);
        Expect(2, [3, 4, 5], 10);
        var aborted = _receiver.WaitCompleteAsync(1, CancellationToken.None);
        var forgotten = _receiver.WaitCompleteAsync(2, CancellationToken.None);
        await _peer.SendAsync(Frame(1, 0, 0, 10), KvFrame.Abort(1));
        Assert.Contains("aborted", (await Assert.ThrowsAsync<KvTransferException>(() => aborted.WaitAsync(TimeSpan.FromSeconds(10)))).Message);
        Assert.True(_receiver.Forget(2));
        await Assert.ThrowsAsync<KvTransferException>(() => forgotten);
        await _peer.SendAsync(Frame(2, 0, 0, 10), KvFrame.End(1));
        Assert.Contains("not expected", (await ExpectReplyAsync(KvFrameKind.Nack, 2)).Reason);
        Assert.Contains("aborted", (await ExpectReplyAsync(KvFrameKind.Nack, 1)).Reason);
    }

    [Fact]
    public async Task A_reservation_whose_blocks_do_not_cover_the_prompt_is_refused_at_expect()
    {
        Assert.Contains("need 3 blocks", Assert.Throws<ArgumentException>(() => Expect(1, [0, 1], 10)).Message);
        Assert.Contains("block 16", Assert.Throws<ArgumentException>(() => Expect(1, [0, 1, 16], 10)).Message);
        Expect(1, [0, 1, 2], 10);
        Assert.Throws<InvalidOperationException>(() => Expect(1, [3, 4, 5], 10));
        await Task.CompletedTask;
    }

    [Theory]
    [InlineData("beta", "cluster secret mismatch")]
    [InlineData(null, "cluster secret required")]
    public async Task A_peer_without_the_cluster_secret_is_refused_and_disconnected(string? secret, string expected)
    {
        var pipe = await _transport.ConnectAsync("token", CancellationToken.None);
        await using var peer = new RawKvPeer(pipe);
        await peer.SendAsync(KvHello.Frame(secret));
        var answer = await peer.ReadAsync();
        Assert.Equal((KvFrameKind.Nack, 0L), (answer.Kind, answer.RequestId));
        Assert.Contains(expected, answer.Reason);
        Assert.True(await peer.ClosedAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_peer_that_skips_the_hello_or_stays_silent_is_refused()
    {
        var pipe = await _transport.ConnectAsync("token", CancellationToken.None);
        await using (var rude = new RawKvPeer(pipe))
        {
            await rude.SendAsync(Frame(1, 0, 0, 4));
            Assert.Contains("expected a Hello", (await rude.ReadAsync()).Reason);
            Assert.True(await rude.ClosedAsync(TimeSpan.FromSeconds(10)));
        }

        var quick = new KvTransferOptions { ConnectTimeout = TimeSpan.FromMilliseconds(200) };
        using var receiver = new KvStreamReceiver(_cache, quick, _time);
        await using var transport = new InMemoryKvTransport();
        transport.Register("quick", receiver);
        await using var silent = new RawKvPeer(await transport.ConnectAsync("quick", CancellationToken.None));
        Assert.Contains("no Hello within", (await silent.ReadAsync()).Reason);
        Assert.True(await silent.ClosedAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_hello_of_another_protocol_version_is_refused_naming_the_versions()
    {
        var hello = KvFrameCodec.Encode(KvHello.Frame("alpha"));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(hello.AsSpan(4), KvFrameCodec.Version + 1);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(hello.AsSpan(40), Crc32C.Compute(hello.AsSpan(0, 40)));
        await using var peer = new RawKvPeer(await _transport.ConnectAsync("token", CancellationToken.None));
        await peer.SendBytesAsync(hello);
        var answer = await peer.ReadAsync();
        Assert.Equal(KvFrameKind.Nack, answer.Kind);
        Assert.Contains($"unsupported KV frame version {KvFrameCodec.Version + 1} (this build speaks {KvFrameCodec.Version})", answer.Reason);
        Assert.True(await peer.ClosedAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Receive_buffer_use_counts_a_frame_still_arriving()
    {
        Expect(1, [0, 1, 2], 10);
        var bytes = KvFrameCodec.Encode(Frame(1, 0, 0, 10));
        await _peer.SendBytesAsync(bytes[..200]);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_receiver.Stats.ReceiveBufferBytes == 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Equal(200, _receiver.Stats.ReceiveBufferBytes);

        await _peer.SendBytesAsync(bytes[200..]);
        await _peer.SendAsync(Frame(1, 1, 0, 10), KvFrame.End(1));
        await ExpectReplyAsync(KvFrameKind.Ack, 1);
        Assert.Equal(0, _receiver.Stats.ReceiveBufferBytes);
    }
}
