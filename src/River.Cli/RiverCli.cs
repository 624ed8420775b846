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
        var parse = root.Parse(args);
        return await parse.InvokeAsync();
    }
}
