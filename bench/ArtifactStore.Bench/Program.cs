using ArtifactStore.Bench;

return args.FirstOrDefault() switch
{
    "retention" => await RetentionBenchmark.RunAsync(args[1..]),
    _ => await LargeTransferBenchmark.RunAsync(args),
};
