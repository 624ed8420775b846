using System.CommandLine;
using System.Reflection;

namespace River.Cli;

/// <summary>The <c>river</c> command line: run, fmt, validate.</summary>
internal static class RiverCli
{
    /// <summary>The version printed by <c>--version</c> and exported as <c>river_build_info</c>.</summary>
    public static string Version =>
        typeof(RiverCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("River runs Grafana Alloy configuration files: components, pipelines and beyla.ebpf.");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(ValidateCommand.Create());
        root.Subcommands.Add(FmtCommand.Create());
        var parse = root.Parse(args);
        // RiverHost handles SIGINT/SIGTERM itself (graceful stop in reverse dependency order); System.CommandLine's
        // own handler would cut that short after its default 2 s timeout.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }
}
