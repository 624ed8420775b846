using River.Diagnostics;

namespace River.Syntax;

/// <summary>
/// What parsing returns: the tree (null when any error was found, as in Alloy) and every diagnostic of the file.
/// </summary>
public sealed record ParseResult(ConfigFile? File, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>True when there is a tree and no error.</summary>
    public bool Success => File is not null && !Diagnostics.Any(d => d.Severity == Severity.Error);
}
