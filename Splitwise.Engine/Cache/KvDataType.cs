namespace Splitwise.Engine.Cache;

/// <summary>Element type of cached keys and values.</summary>
public enum KvDataType
{
    F32,
    F16,
}
