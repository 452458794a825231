namespace Splitwise.Engine.Tokenization.PostProcessors;

/// <summary>Adds the special tokens a model expects around an encoded text (tokenizer.json "post_processor").</summary>
internal abstract class PostProcessor
{
    public abstract List<int> Process(List<int> ids);
}
