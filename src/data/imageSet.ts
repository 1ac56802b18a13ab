// The one in-memory dataset type every loader returns and every metric consumes.

/** Labelled images, NCHW float32, row-major. */
export interface ImageSet {
  readonly name: string;
  /** count × channels × height × width values. */
  readonly images: Float32Array;
  /** Class index per image, 0..numClasses-1. */
  readonly labels: Int32Array;
  readonly count: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly numClasses: number;
}
