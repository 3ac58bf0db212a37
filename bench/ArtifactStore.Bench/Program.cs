using ArtifactStore.Bench;

return args.FirstOrDefault() switch
{
    "large-parts" => await LargeUploadBreakdown.RunAsync(args),
    _ => await LargeTransferBenchmark.RunAsync(args),
};
