using River.Diagnostics;
using River.Syntax;

namespace River.Runtime;

/// <summary>A configuration read from disk: its files (parsed when there were no syntax errors) and diagnostics.</summary>
public sealed record ConfigSnapshot(IReadOnlyList<SourceFile> Sources, IReadOnlyList<ConfigFile> Files, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>True when every file was read and parsed without error.</summary>
    public bool Success => !Diagnostics.Any(d => d.Severity == Severity.Error);

    /// <summary>The SHA-256 over the file texts, to tell a real change from a touch.</summary>
    public string Hash
    {
        get
        {
            // The UTF-8 of path, NUL and text, file after file.
            using var sha = new Utf8Sha256();
            foreach (var source in Sources)
            {
                sha.Append(source.Path, endOfText: false);
                sha.Append("\0", endOfText: false);
                sha.Append(source.Text, endOfText: true);
            }

            return sha.Finish();
        }
    }
}

/// <summary>
/// Reads a configuration path: a file, or a directory whose <c>*.alloy</c> files (directly inside, not recursive) are
/// merged in sorted name order. Diagnostics name the file they come from.
/// </summary>
public static class ConfigReader
{
    /// <summary>The files a path stands for, sorted; a missing path gives an empty list.</summary>
    public static IReadOnlyList<string> FilesOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            var files = Directory.GetFiles(path, "*.alloy", SearchOption.TopDirectoryOnly);
            Array.Sort(files, StringComparer.Ordinal);
            return files;
        }

        return File.Exists(path) ? [path] : [];
    }

    /// <summary>Reads and parses every file of <paramref name="path"/>.</summary>
    public static ConfigSnapshot Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var diagnostics = new List<Diagnostic>();
        var sources = new List<SourceFile>();
        var files = new List<ConfigFile>();
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            diagnostics.Add(Diagnostic.Error(null, TextSpan.Empty, $"could not read config: {path}: no such file or directory"));
            return new ConfigSnapshot(sources, files, diagnostics);
        }

        foreach (var file in FilesOf(path))
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A file deleted between listing and reading, or unreadable: report it, never crash.
                diagnostics.Add(Diagnostic.Error(null, TextSpan.Empty, $"could not read config: {file}: {ex.Message}"));
                continue;
            }

            var source = new SourceFile(file, text);
            sources.Add(source);
            var parsed = RiverParser.Parse(source);
            diagnostics.AddRange(parsed.Diagnostics);
            if (parsed.File is not null)
            {
                files.Add(parsed.File);
            }
        }

        return new ConfigSnapshot(sources, files, diagnostics);
    }

    /// <summary>Parses in-memory texts (path → text), in the order given; for tests and embedded configs.</summary>
    public static ConfigSnapshot FromTexts(IEnumerable<(string Path, string Text)> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var diagnostics = new List<Diagnostic>();
        var sources = new List<SourceFile>();
        var files = new List<ConfigFile>();
        foreach (var (path, text) in texts)
        {
            var source = new SourceFile(path, text);
            sources.Add(source);
            var parsed = RiverParser.Parse(source);
            diagnostics.AddRange(parsed.Diagnostics);
            if (parsed.File is not null)
            {
                files.Add(parsed.File);
            }
        }

        return new ConfigSnapshot(sources, files, diagnostics);
    }
}
