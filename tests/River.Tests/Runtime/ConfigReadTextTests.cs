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
