using Splitwise.Engine;
using Splitwise.Engine.Cache;
using Splitwise.Engine.Loading;

namespace Splitwise.Tests.Engine;

public class EngineOptionsTests
{
    /// <summary>Auto KV: fp32 only for an all-fp32 model (where the golden runs need it), 16-bit otherwise; a given type always wins.</summary>
    [Theory]
    [InlineData("synthetic:llama-tiny-f32", null, KvDataType.F32)]
    [InlineData("synthetic:llama-tiny-f16", null, KvDataType.F16)]
    [InlineData("synthetic:llama-tiny-q8_0", null, KvDataType.F16)]
    [InlineData("synthetic:llama-tiny-q8_0", KvDataType.F32, KvDataType.F32)]
    [InlineData("synthetic:llama-tiny-f32", KvDataType.F16, KvDataType.F16)]
    public void Kv_type_follows_the_weights_unless_given(string model, KvDataType? given, KvDataType expected)
    {
        using var weights = ModelLoader.Load(model);
        Assert.Equal(expected, new EngineOptions { KvDataType = given }.KvDataTypeFor(weights));
        using var engine = new LlmEngine(weights, new EngineOptions { KvDataType = given, KvCacheBytes = 1 << 24 });
        Assert.Equal(expected, engine.Cache.DataType);
    }
}
