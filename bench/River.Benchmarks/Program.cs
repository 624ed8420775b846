using BenchmarkDotNet.Running;
using River.Benchmarks.Language;

// Run with: dotnet run -c Release --project bench/River.Benchmarks -- --filter '*'
// or, for the language stages by thread CPU time (loaded machines): ... -- language-cpu [ROUNDS]
if (args.Length > 0 && args[0] == "language-cpu")
{
    LanguageCpuSplit.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 15);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
