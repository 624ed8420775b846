namespace River.Diagnostics;

/// <summary>How serious a diagnostic is. Warnings never stop a load; errors do.</summary>
public enum Severity
{
    /// <summary>Something worth telling the user (a deprecated name, say) that does not stop a load.</summary>
    Warning,

    /// <summary>Something that makes the input unusable.</summary>
    Error,
}

/// <summary>A half-open range of UTF-16 offsets [Start, End) in a <see cref="SourceFile"/>.</summary>
public readonly record struct TextSpan(int Start, int End)
{
    /// <summary>An empty span at offset 0, for diagnostics that have no better place.</summary>
    public static readonly TextSpan Empty = new(0, 0);

    /// <summary>The number of characters covered.</summary>
    public int Length => End - Start;

    /// <summary>The smallest span covering both.</summary>
    public TextSpan Union(TextSpan other) => new(Math.Min(Start, other.Start), Math.Max(End, other.End));
}

/// <summary>
/// One message about the input: severity, where (a file and a span; spans store offsets, line and column are
/// computed for display), what, and an optional hint such as a did-you-mean.
/// </summary>
public sealed record Diagnostic(Severity Severity, SourceFile? Source, TextSpan Span, string Message, string? Hint = null)
{
    /// <summary>Creates an error.</summary>
    public static Diagnostic Error(SourceFile? source, TextSpan span, string message, string? hint = null) =>
        new(Severity.Error, source, span, message, hint);

    /// <summary>Creates a warning.</summary>
    public static Diagnostic Warning(SourceFile? source, TextSpan span, string message, string? hint = null) =>
        new(Severity.Warning, source, span, message, hint);

    /// <summary>The position of the span's start, as <c>path:line:col</c> (or <c>line:col</c> without a file).</summary>
    public string Location => Source is null ? "-" : Source.Describe(Span.Start);

    /// <summary>The one-line form: <c>path:line:col: message</c>, plus <c>; hint</c> when there is one.</summary>
    public override string ToString() => Hint is null ? $"{Location}: {Message}" : $"{Location}: {Message}; {Hint}";
}
