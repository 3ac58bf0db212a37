# ArtifactStore server image (OPERATOR.md, "Deploy"). Build from source with the official .NET images:
#
#   docker build -t artifactstore .
#
# Build arguments:
#   SDK_IMAGE      image that compiles the source     (default mcr.microsoft.com/dotnet/sdk:10.0)
#   RUNTIME_IMAGE  image the server runs on           (default mcr.microsoft.com/dotnet/aspnet:10.0)
#   APP_SOURCE     "source" compiles inside SDK_IMAGE (default); "prebuilt" copies what
#                  `dotnet publish src/ArtifactStore.Cli -c Release -r linux-x64 --self-contained false
#                  -o .build/container/app` left on the host, for machines that cannot reach nuget.org
#                  from a build container (the container tests do this).
#   SOURCE_REVISION  the git revision stamped into the binary (the build context has no .git).
#   PUBLISH_OPTIONS  extra `dotnet publish` options for APP_SOURCE=source, e.g. a NuGet mirror
#                  (`--source https://nuget.example/v3/index.json`) or, for a package folder mounted
#                  into the build (`podman build -v ~/.nuget/packages:/root/.nuget/packages:ro`),
#                  `-p:NuGetAudit=false` so restore needs no network at all.
#
# The runtime image is the framework-dependent ASP.NET Core image rather than runtime-deps with a
# self-contained publish: .NET security fixes then arrive by rebuilding on a refreshed base image,
# the application layer stays ~3 MB, and the build needs no runtime packs from NuGet.

ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0
ARG APP_SOURCE=source

# ---- build from source -------------------------------------------------------------------------
FROM ${SDK_IMAGE} AS app-source
ARG TARGETARCH
ARG SOURCE_REVISION=unknown
ARG PUBLISH_OPTIONS=
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props .editorconfig ./
COPY src/ src/
# One runtime identifier, so only this architecture's native SQLite library is published.
# TARGETARCH is set by BuildKit; older builders leave it empty, and then the build machine's counts.
RUN case "${TARGETARCH:-$(uname -m)}" in \
      amd64|x86_64) rid=linux-x64 ;; \
      arm64|aarch64) rid=linux-arm64 ;; \
      *) echo "unsupported architecture ${TARGETARCH:-$(uname -m)}" >&2; exit 1 ;; \
    esac \
 && dotnet publish src/ArtifactStore.Cli/ArtifactStore.Cli.csproj -c Release -r "$rid" --self-contained false \
      -p:SourceRevisionId="${SOURCE_REVISION}" -o /app --nologo ${PUBLISH_OPTIONS}

# ---- or copy what the host published ------------------------------------------------------------
FROM scratch AS app-prebuilt
COPY .build/container/app/ /app/

FROM app-${APP_SOURCE} AS app

# ---- runtime -------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
# The official .NET images define the non-root user "app" with this uid.
ARG APP_UID=1654

COPY --from=app /app/ /opt/artifactstore/
# /data is created owned by the server's user so a new named volume starts out writable by it.
RUN ln -s /opt/artifactstore/artifactstore /usr/local/bin/artifactstore \
 && mkdir -p /data \
 && chown "${APP_UID}:${APP_UID}" /data \
 && chmod 0750 /data

# The root filesystem may be read-only (docker run --read-only): the server writes only under
# /data, and nothing else in .NET needs to write:
#  - DOTNET_EnableDiagnostics=0: no diagnostics IPC socket or perf map files in $TMPDIR
#    (set it to 1 together with a tmpfs on /tmp to attach dotnet-counters/dotnet-dump);
#  - DOTNET_gcServer=0: workstation GC, the store's own choice, whatever the base image says;
#  - ASPNETCORE_HTTP_PORTS cleared: the server binds ARTIFACTSTORE_URLS, not the base image's port.
# The container listens on all interfaces, which the server allows only once an API token exists
# (or with `serve --allow-anonymous`); see OPERATOR.md "Deploy".
ENV ARTIFACTSTORE_DATA_ROOT=/data \
    ARTIFACTSTORE_URLS=http://0.0.0.0:8080 \
    DOTNET_EnableDiagnostics=0 \
    DOTNET_gcServer=0 \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 \
    DOTNET_NOLOGO=1 \
    ASPNETCORE_HTTP_PORTS=

USER ${APP_UID}:${APP_UID}
WORKDIR /data
VOLUME /data
EXPOSE 8080
STOPSIGNAL SIGTERM
# Readiness, not mere liveness: the container is healthy when the store can take traffic.
HEALTHCHECK --interval=10s --timeout=6s --start-period=30s --retries=3 \
  CMD ["artifactstore", "health", "--timeout", "5"]
ENTRYPOINT ["artifactstore"]
CMD ["serve"]
