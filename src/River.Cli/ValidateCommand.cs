using System.CommandLine;
using River.Components;
using River.Diagnostics;
using River.Runtime;

namespace River.Cli;

/// <summary>
/// <c>river validate CONFIG…</c>: parses, resolves every component and reference, evaluates what needs no running
/// component, type-checks arguments and checks the graph. Exit 0 when valid, 1 otherwise; never another code.
/// </summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("config")
        {
            Description = "Config files or directories (each directory: every *.alloy directly inside, merged).",
            Arity = ArgumentArity.OneOrMore,
        };
        var stability = RunCommand.StabilityOption();
        var command = new Command("validate", "Check configuration files without running them.") { paths, stability };
        command.SetAction(result => Run(result.GetValue(paths)!, RunCommand.ParseStability(result.GetValue(stability)!)));
        return command;
    }

    private static int Run(string[] paths, StabilityLevel? stability)
    {
        if (stability is null)
        {
            Console.Error.WriteLine("Error: --stability.level must be one of experimental, public-preview, generally-available");
            return 1;
        }

        var failed = false;
        foreach (var path in paths)
        {
            IReadOnlyList<Diagnostic> diagnostics;
            try
            {
                diagnostics = RiverHost.Validate(path, ComponentCatalog.All, stability.Value, noGcDuringLoad: true);
            }
#pragma warning disable CA1031 // validate promises exit code 0 or 1 whatever goes wrong
            catch (Exception e)
#pragma warning restore CA1031
            {
                Console.Error.WriteLine($"Error: {path}: {e.Message}");
                failed = true;
                continue;
            }

            if (diagnostics.Count > 0)
            {
                Console.Error.Write(DiagnosticRenderer.Render(diagnostics));
                Console.Error.WriteLine();
            }

            failed |= diagnostics.Any(d => d.Severity == Severity.Error);
        }

        if (failed)
        {
            Console.Error.WriteLine("Error: validation failed");
        }

        return failed ? 1 : 0;
    }
}
