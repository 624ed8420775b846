using System.CommandLine;
using River.Components;
using River.Runtime;

namespace River.Cli;

/// <summary>
/// <c>river run CONFIG</c>: loads a config file or directory, runs its components, serves the HTTP API, reloads on
/// file change, SIGHUP or <c>/-/reload</c>, and stops cleanly on SIGINT/SIGTERM (exit 0). A first load that fails
/// prints the diagnostics and exits 1.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = new Argument<string>("config") { Description = "A config file, or a directory of *.alloy files." };
        var listen = new Option<string>("--server.http.listen-addr")
        {
            Description = "Address the HTTP server listens on (host:port; port 0 picks a free one).",
            DefaultValueFactory = _ => "127.0.0.1:12345",
        };
        var memory = new Option<string>("--server.http.memory-addr")
        {
            Description = "The in-memory address components use to reach this River without a socket.",
            DefaultValueFactory = _ => "river.internal:12345",
        };
        var storage = new Option<string>("--storage.path")
        {
            Description = "Directory for component data (WALs, queues); each component gets <path>/<component id>.",
            DefaultValueFactory = _ => "data-river/",
        };
        var stability = StabilityOption();
        var noWatch = new Option<bool>("--config.no-watch") { Description = "Do not reload when the config files change." };
        var command = new Command("run", "Run an Alloy configuration.") { config, listen, memory, storage, stability, noWatch };
        command.SetAction(async (result, cancellationToken) =>
        {
            var level = ParseStability(result.GetValue(stability)!);
            if (level is null)
            {
                await Console.Error.WriteLineAsync("Error: --stability.level must be one of experimental, public-preview, generally-available");
                return 1;
            }

            var options = new RunOptions
            {
                ConfigPath = result.GetValue(config)!,
                Catalog = ComponentCatalog.All,
                ListenAddress = result.GetValue(listen)!,
                InMemoryAddress = result.GetValue(memory)!,
                StoragePath = result.GetValue(storage)!,
                Stability = level.Value,
                WatchConfig = !result.GetValue(noWatch),
                Version = RiverCli.Version,
                NoGcDuringFirstLoad = true,
            };
            return await RiverHost.RunAsync(options, cancellationToken);
        });
        return command;
    }

    /// <summary>The <c>--stability.level</c> option shared by run and validate.</summary>
    public static Option<string> StabilityOption() => new("--stability.level")
    {
        Description = "Lowest stability level of components and functions allowed: experimental, public-preview, generally-available.",
        DefaultValueFactory = _ => "public-preview",
    };

    /// <summary>Parses a stability level name; null when unknown.</summary>
    public static StabilityLevel? ParseStability(string value) =>
        StabilityNames.TryParse(value, out var level) ? level : null;
}
