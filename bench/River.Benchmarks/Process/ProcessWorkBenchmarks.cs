using System.Text;
using BenchmarkDotNet.Attributes;
using River.Components;
using River.Runtime;

namespace River.Benchmarks.Process;

/// <summary>
/// The in-process part of the two whole-process goals of issue 3 (bench/scripts/validate-scaling.sh and
/// bench/scripts/startup.sh measure the processes): what <c>river validate</c> does for a 1-block and a 10 000-block
/// config, and what <c>river run</c> does from host creation to a started graph for 3 and 10 000 components, without
/// the .NET start-up. Together with the scripts' figures this splits process time into runtime start and River's work.
/// Run: <c>dotnet run -c Release --project bench/River.Benchmarks -- --filter '*ProcessWorkBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class ProcessWorkBenchmarks
{
    private string _dir = null!;

    /// <summary>Number of <c>discovery.relabel</c> blocks in the config.</summary>
    [Params(1, 10_000)]
    public int Blocks { get; set; }

    private string ConfigPath => Path.Combine(_dir, "config.alloy");

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("river-bench-").FullName;
        File.WriteAllText(ConfigPath, Config(Blocks));
        var diagnostics = RiverHost.Validate(ConfigPath, ComponentCatalog.All, StabilityLevel.PublicPreview);
        if (diagnostics.Count > 0)
        {
            throw new InvalidOperationException("benchmark config does not validate: " + diagnostics[0]);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [Benchmark(Description = "river validate (in-process)")]
    public int Validate() => RiverHost.Validate(ConfigPath, ComponentCatalog.All, StabilityLevel.PublicPreview).Count;

    [Benchmark(Description = "river run: start to ready, then stop (in-process)")]
    public async Task<bool> StartAndStop()
    {
        var host = new RiverHost(new RunOptions
        {
            ConfigPath = ConfigPath,
            Catalog = ComponentCatalog.All,
            ListenAddress = "127.0.0.1:0",
            StoragePath = Path.Combine(_dir, "data"),
            Stability = StabilityLevel.PublicPreview,
            WatchConfig = false,
            HandleSignals = false,
            ErrorOutput = TextWriter.Null,
        });
        await using (host.ConfigureAwait(false))
        {
            var result = await host.StartAsync().ConfigureAwait(false);
            await host.StopAsync().ConfigureAwait(false);
            return result.Success;
        }
    }

    /// <summary>The same blocks bench/scripts/gen-config.sh writes.</summary>
    public static string Config(int blocks)
    {
        var sb = new StringBuilder(blocks * 160);
        for (var i = 0; i < blocks; i++)
        {
            sb.Append("discovery.relabel \"job_").Append(i).Append("\" {\n")
              .Append("\ttargets = [{\"__address__\" = \"host-").Append(i).Append(":9090\", env = \"prod\", tier = \"").Append(i % 3).Append("\"}]\n\n")
              .Append("\trule {\n\t\tsource_labels = [\"__address__\"]\n\t\ttarget_label  = \"instance\"\n\t}\n}\n\n");
        }

        return sb.ToString();
    }
}
