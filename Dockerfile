# syntax=docker/dockerfile:1
# One image, two programs: /app/gateway (the OpenAI API and the cluster scheduler) and /app/silo (prompt, token
# and mixed machines). docker-compose.yml runs it as a gateway, a prompt machine and a token machine.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# A C compiler builds the AVX-512 VNNI kernel that Splitwise.Kernels embeds (without one the managed kernels run).
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Project files first: the restore layer is reused until a project or package reference changes.
COPY global.json Directory.Build.props ./
COPY Splitwise.Kernels/Splitwise.Kernels.csproj Splitwise.Kernels/
COPY Splitwise.Engine/Splitwise.Engine.csproj Splitwise.Engine/
COPY Splitwise.Silo/Splitwise.Silo.csproj Splitwise.Silo/
COPY Splitwise.Gateway/Splitwise.Gateway.csproj Splitwise.Gateway/
RUN dotnet restore Splitwise.Gateway/Splitwise.Gateway.csproj
COPY Splitwise.Kernels/ Splitwise.Kernels/
COPY Splitwise.Engine/ Splitwise.Engine/
COPY Splitwise.Silo/ Splitwise.Silo/
COPY Splitwise.Gateway/ Splitwise.Gateway/
RUN dotnet publish Splitwise.Gateway/Splitwise.Gateway.csproj -c Release --no-restore -o /app/gateway \
 && dotnet publish Splitwise.Silo/Splitwise.Silo.csproj -c Release --no-restore -o /app/silo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl answers the health checks in docker-compose.yml; the runtime image has no HTTP client of its own.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app /app
# The programs bind the address their flags name; the image's default port (8080) would only add a warning.
ENV ASPNETCORE_HTTP_PORTS= \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
# The base image's unprivileged "app" user.
USER $APP_UID
EXPOSE 8000
ENTRYPOINT ["dotnet", "/app/gateway/Splitwise.Gateway.dll"]
CMD ["--host", "0.0.0.0", "--port", "8000"]
