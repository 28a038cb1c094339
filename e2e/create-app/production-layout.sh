#!/usr/bin/env bash
# The template Dockerfile's image steps, without Docker: from an app where `yarn build:backend`
# has run, lay out what the image holds in DEST and install its production dependencies.
# Usage: production-layout.sh APP_DIR DEST
set -euo pipefail
app="${1:?usage: production-layout.sh APP_DIR DEST}"
dest="${2:?usage: production-layout.sh APP_DIR DEST}"
dist="$app/packages/backend/dist"
for f in skeleton.tar.gz bundle.tar.gz; do
  [ -f "$dist/$f" ] || { echo "production-layout.sh: no $dist/$f (run yarn build:backend)" >&2; exit 1; }
done
rm -rf "$dest"
mkdir -p "$dest"
cd "$dest"
# COPY .yarn, .yarnrc.yml, backstage.json, yarn.lock, package.json; the skeleton.
cp -r "$app/.yarn" "$app/.yarnrc.yml" "$app/backstage.json" "$app/yarn.lock" "$app/package.json" .
tar xzf "$dist/skeleton.tar.gz"
# ENV NODE_ENV=production; RUN yarn workspaces focus --all --production
NODE_ENV=production yarn workspaces focus --all --production
# COPY examples; the bundle and app-config*.yaml.
cp -r "$app/examples" .
tar xzf "$dist/bundle.tar.gz"
cp "$app"/app-config*.yaml .
