using River.Cli;

return await RiverCli.RunAsync(args);
