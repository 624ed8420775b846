namespace River.Diagnostics;

/// <summary>Collects diagnostics; parsing, evaluating and loading add to one instead of throwing.</summary>
public sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];

    /// <summary>Everything collected so far, in the order reported.</summary>
    public IReadOnlyList<Diagnostic> Items => _items;

    /// <summary>True when at least one error (not warning) was reported.</summary>
    public bool HasErrors { get; private set; }

    /// <summary>Adds one diagnostic.</summary>
    public void Add(Diagnostic diagnostic)
    {
        _items.Add(diagnostic);
        HasErrors |= diagnostic.Severity == Severity.Error;
    }

    /// <summary>Adds many diagnostics.</summary>
    public void AddRange(IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var d in diagnostics)
        {
            Add(d);
        }
    }

    /// <summary>Adds an error.</summary>
    public void Error(SourceFile? source, TextSpan span, string message, string? hint = null) =>
        Add(Diagnostic.Error(source, span, message, hint));

    /// <summary>Adds a warning.</summary>
    public void Warning(SourceFile? source, TextSpan span, string message, string? hint = null) =>
        Add(Diagnostic.Warning(source, span, message, hint));
}
