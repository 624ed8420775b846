using River.Diagnostics;

namespace River.Syntax;

/// <summary>
/// Collects the diagnostics of one parse. As in Alloy, the scanner's errors are all kept and the parser keeps only the
/// first error of each line (later ones on the same line are almost always consequences of the first). After
/// <see cref="SyntaxLimits.MaxErrors"/> errors, one last diagnostic says so and the rest are dropped.
/// </summary>
internal sealed class SyntaxErrorCollector
{
    private readonly SourceFile _file;
    private readonly List<Diagnostic> _items = [];
    private readonly HashSet<int> _linesWithErrors = [];
    private readonly HashSet<int> _invalidUtf8 = [];
    private Diagnostic? _stopper;

    public SyntaxErrorCollector(SourceFile file) => _file = file;

    public SourceFile File => _file;

    public bool HasErrors => _items.Count > 0;

    /// <summary>True once the error limit is reached; the scanner stops early then.</summary>
    public bool Full { get; private set; }

    /// <summary>Reports a byte sequence that is not UTF-8 (decoded as U+FFFD at <paramref name="offset"/>).</summary>
    public void InvalidUtf8(int offset)
    {
        _invalidUtf8.Add(offset);
        Scanner(offset, offset + 1, "illegal UTF-8 encoding");
    }

    /// <summary>True when the character at <paramref name="offset"/> replaces invalid UTF-8.</summary>
    public bool IsInvalidUtf8At(int offset) => _invalidUtf8.Contains(offset);

    /// <summary>Reports a scanner error (always kept).</summary>
    public void Scanner(int start, int end, string message) => Add(start, end, message, onePerLine: false);

    /// <summary>Reports a parser error (dropped when its line already has one).</summary>
    public void Parser(int start, int end, string message, string? hint = null) =>
        Add(start, end, message, onePerLine: true, hint);

    private void Add(int start, int end, string message, bool onePerLine, string? hint = null)
    {
        if (Full)
        {
            return;
        }

        var line = _file.GetLineColumn(start).Line;
        if (onePerLine && _linesWithErrors.Contains(line))
        {
            return;
        }

        _linesWithErrors.Add(line);
        if (_items.Count == SyntaxLimits.MaxErrors)
        {
            Full = true;
            _stopper = Diagnostic.Error(_file, new TextSpan(start, start), $"too many errors (more than {SyntaxLimits.MaxErrors}); stopping");
            return;
        }

        _items.Add(Diagnostic.Error(_file, new TextSpan(start, Math.Max(start, end)), message, hint));
    }

    /// <summary>All diagnostics, ordered by position (scanner and parser errors interleaved as in the file).</summary>
    public IReadOnlyList<Diagnostic> ToList()
    {
        // OrderBy is stable: errors at the same offset stay in the order they were found.
        var list = _items.OrderBy(d => d.Span.Start).ToList();
        if (_stopper is not null)
        {
            list.Add(_stopper);
        }

        return list;
    }
}
