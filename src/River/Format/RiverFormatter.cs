using River.Diagnostics;
using River.Syntax;

namespace River.Format;

/// <summary>
/// The canonical printer behind <c>river fmt</c>. It works on syntax alone (any file that parses, top-level
/// attributes included) and keeps every comment. Layout: tab indentation; one space around <c>=</c> and binary
/// operators; <c>=</c> aligned within runs of consecutive single-row attributes and object fields, trailing comments
/// aligned with their neighbours; blank lines between statements kept but collapsed to one, and one always before a
/// block; arrays, objects and call arguments keep the user's line breaks, with a trailing comma when the closer
/// is on its own line; literals (raw strings byte for byte) as written; output ends with exactly one <c>\n</c>.
/// Formatting its own output returns it unchanged. See docs/fmt.md.
/// </summary>
public static class RiverFormatter
{
    // Only reserved, not committed, and only used for deeply nested input.
    private const int DeepStackSize = 256 * 1024 * 1024;

    /// <summary>
    /// Formats a parsed file. The spans of the tree must refer to <see cref="ConfigFile.Source"/> (as the parser
    /// produces them): the original line structure and the comments are read from there. An empty file (no
    /// statement, no comment) formats to the empty string.
    /// </summary>
    public static string Format(ConfigFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        try
        {
            return FormatCore(file);
        }
        catch (InsufficientExecutionStackException)
        {
            // The walk recurses once per nesting level. The parser accepts up to SyntaxLimits levels, which may not
            // fit the caller's stack (a thread-pool thread, say): redo the walk on a thread with room for all of them.
            return FormatOnLargeStack(file);
        }
    }

    private static string FormatCore(ConfigFile file)
    {
        var map = new SourceMap(file.Source, file.Comments);
        var writer = new LayoutWriter(map);
        new FormatWalker(map, writer).WriteFile(file);
        return writer.Finish();
    }

    private static string FormatOnLargeStack(ConfigFile file)
    {
        string? result = null;
        Exception? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    result = FormatCore(file);
                }
#pragma warning disable CA1031 // The exception is rethrown on the calling thread below.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failure = ex;
                }
            },
            DeepStackSize);
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }

        return result!;
    }

    /// <summary>
    /// Parses and formats a source text. On a syntax error returns no text and every diagnostic of the parse, so that
    /// the caller can print them as <c>file:line:col: message</c>.
    /// </summary>
    public static FormatResult Format(SourceFile source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var parsed = RiverParser.Parse(source);
        if (!parsed.Success || parsed.File is null)
        {
            return new FormatResult(null, parsed.Diagnostics);
        }

        return new FormatResult(Format(parsed.File), parsed.Diagnostics);
    }

    /// <summary>Parses and formats <paramref name="text"/>, shown as <paramref name="path"/> in diagnostics.</summary>
    public static FormatResult Format(string path, string text) => Format(new SourceFile(path, text));
}

/// <summary>
/// The outcome of <see cref="RiverFormatter.Format(SourceFile)"/>: the formatted text, or null when the source has
/// syntax errors; and the parser's diagnostics (warnings may accompany a successful format).
/// </summary>
public sealed record FormatResult(string? Text, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>True when the source parsed and <see cref="Text"/> holds the formatted file.</summary>
    public bool Success => Text is not null;

    /// <summary>True when formatting changed nothing (the <c>river fmt -t</c> check); false on a syntax error.</summary>
    public bool IsUnchanged(string original) => Text is not null && string.Equals(Text, original, StringComparison.Ordinal);
}
