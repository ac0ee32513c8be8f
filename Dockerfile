# The service image: Node 24 LTS, production dependencies, TypeScript run directly (Node strips types).
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts
COPY src ./src
COPY migrations ./migrations
COPY scripts ./scripts
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD node -e "fetch('http://127.0.0.1:4000/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The V8 settings of `npm start` (README, Operations): a young generation of 32 MiB that does not
# shrink after a quiet spell, and one V8 background thread for an instance with a core of its own.
CMD ["node", "--min-semi-space-size=32", "--max-semi-space-size=32", "--v8-pool-size=1", "src/main.ts"]
