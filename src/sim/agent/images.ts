/**
 * A simulated container image store (PRUNE_IMAGES): cached images, some in use by running containers.
 */
import type { Rng } from '../random';

/** One cached image. */
export interface CachedImage {
  type: 'DOCKER' | 'APPC';
  name: string;
  inUse: boolean;
  sizeBytes: number;
}

const NAMES = ['nginx:1.25', 'mysql:latest', 'busybox:latest', 'python:3.11', 'redis:7', 'alpine:3.19', 'node:20'];

/** The agent's image store. */
export class ImageStore {
  readonly images: CachedImage[];

  constructor(rng: Rng) {
    this.images = NAMES.map((name, i) => ({ type: 'DOCKER' as const, name, inUse: i % 3 === 0, sizeBytes: rng.int(5, 900) * 1024 * 1024 }));
  }

  /** Removes every image that is neither in use nor excluded; returns the names removed. */
  prune(excluded: { type: string; docker?: { name: string }; appc?: { name?: string } }[]): string[] {
    const keep = new Set(excluded.map((e) => e.docker?.name ?? e.appc?.name ?? ''));
    const removed = this.images.filter((i) => !i.inUse && !keep.has(i.name)).map((i) => i.name);
    for (let i = this.images.length - 1; i >= 0; i--) {
      const img = this.images[i];
      if (img && removed.includes(img.name)) this.images.splice(i, 1);
    }
    return removed;
  }
}
