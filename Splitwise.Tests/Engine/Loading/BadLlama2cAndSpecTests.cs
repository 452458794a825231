using Splitwise.Engine.Loading;
using Splitwise.Tests.Support;

namespace Splitwise.Tests.Engine.Loading;

/// <summary>Broken llama2.c checkpoints and model specs that name nothing loadable.</summary>
public sealed class BadLlama2cAndSpecTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] Stories => File.ReadAllBytes(SharedData.Path("models", "stories260k", "llama2c", "stories260K.bin"));

    private string Write(byte[] bytes, string name = "model.bin")
    {
        string path = _dir.Path(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void TruncatedCheckpoint()
    {
        var bytes = Stories;
        ModelFileAssert.LoadFails(Write(bytes[..^4]), "truncated file", "needs 1056540 bytes, the file has 1056536");
        ModelFileAssert.LoadFails(Write(bytes[..10]), "truncated file", "the header");
    }

    [Fact]
    public void TrailingBytes()
    {
        ModelFileAssert.LoadFails(Write([.. Stories, 0, 0, 0, 0]), "accounts for 1056540 bytes, but the file has 1056544");
    }

    [Fact]
    public void NegativeVocabWithoutClassifierIsTruncated()
    {
        var bytes = Stories;
        BitConverter.GetBytes(-512).CopyTo(bytes, 20); // claims an untied classifier the file does not hold
        ModelFileAssert.LoadFails(Write(bytes), "truncated file");
    }

    [Theory]
    [InlineData(0, 0)]       // dim 0
    [InlineData(12, 3)]      // n_heads 3 does not divide dim 64
    [InlineData(16, 3)]      // n_kv_heads 3 does not divide n_heads 8
    public void BadHeader(int offset, int value)
    {
        var bytes = Stories;
        BitConverter.GetBytes(value).CopyTo(bytes, offset);
        ModelFileAssert.LoadFails(Write(bytes), "bad header", "not a valid model");
    }

    [Fact]
    public void HeaderImplyingAnImpossibleSize()
    {
        var bytes = Stories;
        BitConverter.GetBytes(int.MaxValue).CopyTo(bytes, 20); // vocab
        BitConverter.GetBytes(1 << 30).CopyTo(bytes, 0);        // dim
        BitConverter.GetBytes(1 << 27).CopyTo(bytes, 12);       // heads, so dim / heads = 8
        BitConverter.GetBytes(1 << 27).CopyTo(bytes, 16);
        ModelFileAssert.LoadFails(Write(bytes), "bad header", "impossibly large");
    }

    [Fact]
    public void VersionedExportIsRejected()
    {
        var bytes = Stories;
        BitConverter.GetBytes(0x616b3432u).CopyTo(bytes, 0);
        ModelFileAssert.LoadFails(Write(bytes), "unsupported llama2.c export version");
    }

    [Fact]
    public void MissingPath()
    {
        string path = _dir.Path("nothing-here.gguf");
        ModelFileAssert.Fails(() => ModelLoader.Load(path), path, "no such file or directory");
    }

    [Fact]
    public void UnrecognizedFile()
    {
        ModelFileAssert.LoadFails(Write([1, 2, 3, 4, 5], "weights.pt"), "unrecognized model file");
    }

    [Fact]
    public void GgufMagicWithoutExtensionIsReadAsGguf()
    {
        var bytes = new TinyLlamaFiles().Gguf().ToBytes();
        using var w = ModelLoader.Load(Write(bytes, "model-without-extension"));
        Assert.Equal(2, w.Layers.Length);
    }

    [Theory]
    [InlineData("synthetic:gpt-1b-q8_0", "unknown synthetic model 'gpt-1b-q8_0'")]
    [InlineData("synthetic:llama-1b-q5_k", "unknown weight type 'q5_k'")]
    [InlineData("synthetic:llama-1b", "unknown synthetic model 'llama-1b'")]
    [InlineData("synthetic:llama-tiny-q4_k", "not whole blocks of 256")]
    public void BadSyntheticName(string spec, string problem)
    {
        ModelFileAssert.Fails(() => ModelLoader.Load(spec), spec, problem);
    }
}
