using System.Buffers;
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
    public static ConfigSnapshot Read(string path) => Read(path, partParsed: null);

    /// <summary>
    /// Reads and parses every file of <paramref name="path"/>, handing each part of a large file to
    /// <paramref name="partParsed"/> as it is parsed (see <see cref="RiverParser.Parse(SourceFile, Action{ConfigFile})"/>).
    /// </summary>
    public static ConfigSnapshot Read(string path, Action<ConfigFile>? partParsed)
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
                text = ReadText(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A file deleted between listing and reading, or unreadable: report it, never crash.
                diagnostics.Add(Diagnostic.Error(null, TextSpan.Empty, $"could not read config: {file}: {ex.Message}"));
                continue;
            }

            StartupTrace.Mark("read");
            var source = new SourceFile(file, text);
            sources.Add(source);
            var parsed = RiverParser.Parse(source, partParsed);
            StartupTrace.Mark("parse");
            diagnostics.AddRange(parsed.Diagnostics);
            if (parsed.File is not null)
            {
                files.Add(parsed.File);
            }
        }

        return new ConfigSnapshot(sources, files, diagnostics);
    }

    // The chunk ReadText reads the file in: small enough to stay in the cache, large enough for few system calls.
    private const int ReadChunk = 64 * 1024;

    /// <summary>
    /// The text of a file exactly as <see cref="File.ReadAllText(string)"/> gives it, made with less memory: a valid
    /// UTF-8 file (with or without a byte order mark, the usual case) is read twice through one small buffer, first to
    /// validate it and count its characters, then to decode it straight into the final string. ReadAllText instead
    /// decodes into growing buffers and copies them into the string, which for a 1.8 MB file allocates about as much
    /// again as the string itself, and every fresh megabyte is a megabyte of pages to fault in. Anything else (another
    /// byte order mark, invalid UTF-8, a file that changes between the two reads, a pipe) is read as ReadAllText reads it.
    /// </summary>
    internal static string ReadText(string file)
    {
        using var reader = new Utf8FileReader(file);
        return reader.Read();
    }

    // The two passes of ReadText over one open file and one rented buffer.
    private sealed class Utf8FileReader(string file) : IDisposable
    {
        private readonly FileStream _stream = new(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(ReadChunk);
        private int _carry;
        private bool _decodedAll;

        public string Read()
        {
            // A pipe or device cannot be read twice: read once, the plain way.
            if (!_stream.CanSeek)
            {
                return ReadPlainly();
            }

            var skip = Measure(out var chars, out var bytes);
            if (skip < 0)
            {
                return ReadPlainly();
            }

            if (chars == 0)
            {
                return string.Empty;
            }

            _stream.Position = skip;
            _carry = 0;
            var text = string.Create(chars, (Reader: this, Bytes: bytes), static (target, state) => state.Reader.Decode(target, state.Bytes));
            return _carry == 0 && _decodedAll ? text : ReadPlainly();
        }

        // What File.ReadAllText does (a StreamReader decoding UTF-8 unless a byte order mark says otherwise), on the
        // open file from its start.
        private string ReadPlainly()
        {
            if (_stream.CanSeek)
            {
                _stream.Position = 0;
            }

            using var reader = new StreamReader(_stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
            return reader.ReadToEnd();
        }

        // Pass 2: decodes the file (from the position after the byte order mark) into the string; _decodedAll tells
        // whether it filled the string exactly with the bytes pass 1 measured.
        private void Decode(Span<char> target, long bytes)
        {
            var written = 0;
            var total = 0L;
            while (true)
            {
                var read = _stream.Read(_buffer, _carry, _buffer.Length - _carry);
                total += read;
                var status = System.Text.Unicode.Utf8.ToUtf16(
                    _buffer.AsSpan(0, _carry + read), target[written..], out var used, out var made, replaceInvalidSequences: false, isFinalBlock: read == 0);
                written += made;
                if (status is OperationStatus.DestinationTooSmall or OperationStatus.InvalidData)
                {
                    return;
                }

                _carry = _carry + read - used;
                _buffer.AsSpan(used, _carry).CopyTo(_buffer);
                if (read == 0)
                {
                    _decodedAll = written == target.Length && total == bytes;
                    return;
                }
            }
        }

        // Pass 1: the offset the UTF-8 text starts at (3 after a UTF-8 byte order mark, else 0), with the number of
        // UTF-16 characters and of bytes from there on; -1 when the file is not valid UTF-8 or starts with another byte
        // order mark (ReadAllText decodes those as UTF-16 or UTF-32).
        private int Measure(out int chars, out long bytes)
        {
            chars = 0;
            bytes = 0;
            var skip = -1;
            var carry = 0;
            while (true)
            {
                var read = _stream.Read(_buffer, carry, _buffer.Length - carry);
                var filled = carry + read;
                var start = 0;
                if (skip < 0)
                {
                    if (filled >= 2 && ((_buffer[0] == 0xFE && _buffer[1] == 0xFF) || (_buffer[0] == 0xFF && _buffer[1] == 0xFE)))
                    {
                        return -1;
                    }

                    if (filled >= 4 && _buffer[0] == 0 && _buffer[1] == 0 && _buffer[2] == 0xFE && _buffer[3] == 0xFF)
                    {
                        return -1;
                    }

                    skip = filled >= 3 && _buffer[0] == 0xEF && _buffer[1] == 0xBB && _buffer[2] == 0xBF ? 3 : 0;
                    start = skip;
                }

                // Up to the last whole sequence (at most three bytes of one are left for the next read), or all at the end.
                var span = _buffer.AsSpan(start, filled - start);
                var whole = read == 0 ? span.Length : WholeSequences(span);
                if (!System.Text.Unicode.Utf8.IsValid(span[..whole]))
                {
                    return -1;
                }

                var count = (long)chars + System.Text.Encoding.UTF8.GetCharCount(span[..whole]);
                if (count > Array.MaxLength)
                {
                    return -1;
                }

                chars = (int)count;
                bytes += whole;
                carry = span.Length - whole;
                span[whole..].CopyTo(_buffer);
                if (read == 0)
                {
                    return skip;
                }
            }
        }

        // The length of the span without a multi-byte sequence that may continue past its end: the last lead byte
        // among the last four bytes starts an unfinished sequence when its sequence is longer than what follows it.
        private static int WholeSequences(ReadOnlySpan<byte> span)
        {
            for (var i = span.Length - 1; i >= 0 && i >= span.Length - 4; i--)
            {
                var b = span[i];
                if ((b & 0xC0) == 0x80)
                {
                    continue; // a continuation byte
                }

                var length = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
                return i + length > span.Length ? i : span.Length;
            }

            return span.Length; // no lead byte close to the end: not valid UTF-8, which IsValid reports
        }

        public void Dispose()
        {
            _stream.Dispose();
            ArrayPool<byte>.Shared.Return(_buffer);
        }
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
