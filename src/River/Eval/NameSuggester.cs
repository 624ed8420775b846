using River.Diagnostics;

namespace River.Eval;

/// <summary>Did-you-mean hints for the evaluator and decoder, built on the shared <see cref="Suggest"/> helper.</summary>
internal static class NameSuggester
{
    /// <summary>A hint text (<c>did you mean "x"?</c>) for the closest candidate, or null when none is close.</summary>
    public static string? Hint(string input, IEnumerable<string> candidates) =>
        Suggest.Closest(input, candidates.Where(c => c != input)) is { } s ? $"did you mean \"{s}\"?" : null;
}
