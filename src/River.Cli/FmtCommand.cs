using System.CommandLine;
using River.Diagnostics;
using River.Format;

namespace River.Cli;

/// <summary>
/// <c>river fmt [-w|--write] [-t|--test] [FILE|-]</c>: prints the file in Alloy's canonical layout. On a file that
/// does not parse it prints the diagnostics, writes nothing and exits 1 (as <c>alloy fmt</c>).
/// </summary>
internal static class FmtCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file")
        {
            Description = "The file to format; '-' or nothing reads standard input.",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => "-",
        };
        var write = new Option<bool>("--write", "-w") { Description = "Rewrite the file in place (only when it changes)." };
        var test = new Option<bool>("--test", "-t") { Description = "Exit 1 when the file is not formatted; print nothing." };
        var command = new Command("fmt", "Format an Alloy configuration file in the canonical layout.") { file, write, test };
        command.SetAction(result => Run(result.GetValue(file)!, result.GetValue(write), result.GetValue(test)));
        return command;
    }

    private static int Run(string path, bool write, bool test)
    {
        if (write && test)
        {
            return Fail("--write and --test cannot be used together");
        }

        var fromStdin = path == "-";
        if (fromStdin && write)
        {
            return Fail("cannot use --write with standard input");
        }

        if (!fromStdin && Directory.Exists(path))
        {
            return Fail($"{path} is a directory; river fmt formats one file");
        }

        string text;
        try
        {
            text = fromStdin ? Console.In.ReadToEnd() : File.ReadAllText(path);
        }
        catch (IOException e)
        {
            return Fail(e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            return Fail(e.Message);
        }

        var result = RiverFormatter.Format(new SourceFile(fromStdin ? "<stdin>" : path, text));
        if (!result.Success)
        {
            Console.Error.Write(DiagnosticRenderer.RenderCompact(result.Diagnostics));
            Console.Error.WriteLine("encountered errors during formatting");
            return 1;
        }

        if (test)
        {
            if (result.IsUnchanged(text))
            {
                return 0;
            }

            Console.Error.WriteLine($"file {path} is not formatted correctly");
            return 1;
        }

        if (write)
        {
            if (!result.IsUnchanged(text))
            {
                File.WriteAllText(path, result.Text);
            }

            return 0;
        }

        Console.Out.Write(result.Text);
        return 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"Error: {message}");
        return 1;
    }
}
