namespace Splitwise.LoadTest.Prompts;

/// <summary>Short, frequent English words: each is one token (after a space) in the usual LLM vocabularies.</summary>
public static class CommonWords
{
    public static readonly string[] All =
    [
        "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on", "not", "he", "this",
        "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they", "you", "were", "their", "one", "all", "we",
        "can", "her", "has", "there", "been", "if", "more", "when", "will", "would", "who", "so", "no", "she", "other", "its",
        "may", "these", "what", "them", "than", "some", "him", "time", "into", "only", "do", "could", "new", "about", "two",
        "then", "first", "also", "after", "any", "like", "should", "many", "such", "most", "made", "over", "did", "our", "people",
        "see", "very", "well", "where", "just", "even", "work", "back", "years", "way", "much", "because", "good", "used", "long",
        "water", "little", "world", "day", "house", "under", "three", "small", "end", "place", "great", "home", "hand", "high",
        "old", "light", "still", "school", "city", "story", "life", "number", "part", "point", "state", "line", "book", "name",
        "music", "family", "night", "morning", "river", "table", "friend", "garden", "market", "paper", "window", "road", "tree",
        "open", "found", "came", "went", "left", "told", "thought", "took", "asked", "began", "kept", "turned", "red", "green",
        "blue", "black", "white", "warm", "cold", "early", "late", "near", "far", "next", "last", "every", "each", "both", "few",
    ];
}
