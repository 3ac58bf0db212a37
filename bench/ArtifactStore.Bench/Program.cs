using ArtifactStore.Bench;

return args.FirstOrDefault() switch
{
    "small" => await SmallUploadBenchmark.RunAsync(args),
    "large-parts" => await LargeUploadBreakdown.RunAsync(args),
    _ => await LargeTransferBenchmark.RunAsync(args),
};
