# The ebpm worker (and CLI) image used by docker-compose.yml.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY activities ./activities
COPY analysis ./analysis
COPY bench ./bench
COPY cli ./cli
COPY config ./config
COPY dashboards ./dashboards
COPY governance ./governance
COPY ingest ./ingest
COPY kpi ./kpi
COPY panel-csv ./panel-csv
COPY programmes ./programmes
COPY report ./report
COPY review-sheets ./review-sheets
COPY runtime ./runtime
COPY scheduling ./scheduling
COPY schemas ./schemas
COPY soak ./soak
COPY sql ./sql
COPY stats ./stats
COPY synth ./synth
COPY test ./test
COPY workflows ./workflows
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# A Japanese font for the labels of the PNG plots that reports write.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-ipafont-gothic && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY programmes/catalogue ./programmes/catalogue
# Transparent huge pages for malloc's large blocks (typed arrays, file buffers): runtime/malloc-tunables.ts says why.
ENV GLIBC_TUNABLES=glibc.malloc.hugetlb=1
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["worker"]
