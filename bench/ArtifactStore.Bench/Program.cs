using ArtifactStore.Bench;

return await LargeTransferBenchmark.RunAsync(args);
