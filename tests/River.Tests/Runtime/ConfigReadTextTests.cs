using System.Text;
using River.Runtime;

namespace River.Tests.Runtime;

/// <summary>
/// ConfigReader reads a file with its own two-pass UTF-8 reader; the text must be exactly File.ReadAllText's for every
/// file, including those the reader hands back to ReadAllText (other byte order marks, invalid UTF-8).
/// </summary>
public class ConfigReadTextTests
{
    // The reader works in 64 KiB chunks: these put multi-byte sequences across every chunk boundary position.
    private const int Chunk = 64 * 1024;

    public static TheoryData<string, byte[]> Files()
    {
        var data = new TheoryData<string, byte[]>
        {
            { "empty", [] },
            { "ascii", Encoding.UTF8.GetBytes("logging {\n\tlevel = \"info\"\n}\n") },
            { "bom only", [0xEF, 0xBB, 0xBF] },
            { "utf-8 bom", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("a = \"é\"\n")] },
            { "two bytes, one bom byte", [0xEF, 0xBB] },
            { "utf-16le bom", [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("a = 1\n")] },
            { "utf-16be bom", [0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes("a = 1\n")] },
            { "utf-32le bom", [0xFF, 0xFE, 0x00, 0x00, .. Encoding.UTF32.GetBytes("a = 1\n")] },
            { "utf-32be bom", [0x00, 0x00, 0xFE, 0xFF, .. new UTF32Encoding(bigEndian: true, byteOrderMark: false).GetBytes("a = 1\n")] },
            { "invalid byte", [.. "a = \""u8, 0xC3, 0x28, .. "\"\n"u8] },
            { "truncated sequence at the end", [.. "a = 1 "u8, 0xE2, 0x82] },
            { "lone continuation byte", [0x80, .. "x"u8] },
            { "non-ascii", Encoding.UTF8.GetBytes("ünïcödé \U0001F30A ß\n") },
        };

        foreach (var sequence in new[] { "é", "€", "\U0001F30A" })
        {
            var encoded = Encoding.UTF8.GetBytes(sequence);
            for (var shift = 0; shift <= encoded.Length; shift++)
            {
                var bytes = new List<byte>();
                bytes.AddRange(Encoding.UTF8.GetBytes(new string('a', Chunk - shift)));
                bytes.AddRange(encoded);
                bytes.AddRange(Encoding.UTF8.GetBytes(new string('b', Chunk + 7)));
                bytes.AddRange(encoded);
                data.Add($"{sequence} at {Chunk - shift}", [.. bytes]);
                data.Add($"bom, {sequence} at {Chunk - shift}", [0xEF, 0xBB, 0xBF, .. bytes]);
            }
        }

        // Invalid UTF-8 far from the start, after a chunk of valid text.
        data.Add("invalid after a chunk", [.. Encoding.UTF8.GetBytes(new string('a', Chunk + 10)), 0xFF, .. "z"u8]);
        return data;
    }

    // Files the size of a large config (640 KiB and more): sequences across a chunk boundary far from the start, text
    // with more bytes than characters, a byte order mark, and invalid UTF-8 near either end. Made in the test, by name:
    // as theory data, megabytes of bytes would be serialised into every test case's name at discovery.
    public static TheoryData<string> LargeFiles() =>
    [
        .. new[] { "é", "€", "\U0001F30A" }.SelectMany(s => Enumerable.Range(0, Encoding.UTF8.GetByteCount(s) + 1).SelectMany(shift =>
            new[] { $"large {s} {shift}", $"large bom {s} {shift}" })),
        "mixed", "mixed, invalid in the first half", "mixed, invalid in the second half", "mixed, truncated at the end",
    ];

    private static byte[] LargeFile(string name)
    {
        if (name.StartsWith("large ", StringComparison.Ordinal))
        {
            var words = name.Split(' ');
            var encoded = Encoding.UTF8.GetBytes(words[^2]);
            var shift = int.Parse(words[^1], System.Globalization.CultureInfo.InvariantCulture);
            byte[] bytes = [.. Encoding.UTF8.GetBytes(new string('a', (5 * Chunk) - shift)), .. encoded, .. Encoding.UTF8.GetBytes(new string('b', 5 * Chunk)), .. encoded];
            return words[1] == "bom" ? [0xEF, 0xBB, 0xBF, .. bytes] : bytes;
        }

        var mixed = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("a = \"é€\U0001F30A\"\n", 40_000)));
        return name switch
        {
            "mixed, invalid in the first half" => [.. mixed[..1000], 0xFF, .. mixed[1000..]],
            "mixed, invalid in the second half" => [.. mixed[..^1000], 0xC3, 0x28, .. mixed[^1000..]],
            "mixed, truncated at the end" => [.. mixed, 0xE2, 0x82],
            _ => mixed,
        };
    }

    [Theory]
    [MemberData(nameof(LargeFiles))]
    public void ReadTextGivesReadAllTextsTextForLargeFiles(string name) => ReadTextGivesReadAllTextsText(name, LargeFile(name));

    [Theory]
    [MemberData(nameof(Files))]
    public void ReadTextGivesReadAllTextsText(string name, byte[] content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"river-readtext-{Guid.NewGuid():N}.alloy");
        try
        {
            File.WriteAllBytes(path, content);
            Assert.True(File.ReadAllText(path) == ConfigReader.ReadText(path), name);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
