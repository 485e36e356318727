import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Webhook signing secrets. The gateway must sign with them, so they cannot be hashed like API
 * keys; instead they are sealed at rest with AES-256-GCM under a key that lives outside the
 * database (WEBHOOK_SECRET_KEY, or a key file). A database dump or backup alone therefore
 * holds no usable secret. The endpoint's id is bound in as associated data, so a sealed
 * secret copied onto another endpoint's row does not open. A secret is shown in clear once,
 * when it is minted (creation, rotation), and never logged, audited or returned again.
 */

/** Standard Webhooks secrets: `whsec_` + base64 of random bytes (the spec allows 24 to 64). */
export const SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;
const SEALED_VERSION = "v1";

export function mintWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString("base64")}`;
}

/** The secret could not be opened: WEBHOOK_SECRET_KEY is not the key it was sealed with. */
export class SecretKeyMismatchError extends Error {
  override readonly name = "SecretKeyMismatchError";
  constructor() {
    super(
      "A webhook signing secret could not be decrypted: WEBHOOK_SECRET_KEY (or its key file) is not the key it was sealed with. Every instance must use the same key.",
    );
  }
}

/** Seals and opens secrets with a 32-byte key, loaded on first use. */
export class SecretBox {
  private key: Buffer | null = null;

  constructor(private readonly loadKey: () => Buffer) {}

  seal(secret: string, endpointId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.keyBytes(), iv);
    cipher.setAAD(Buffer.from(endpointId));
    const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
    return `${SEALED_VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
  }

  open(sealed: string, endpointId: string): string {
    const [version, data] = sealed.split(":");
    if (version !== SEALED_VERSION || !data) throw new SecretKeyMismatchError();
    const bytes = Buffer.from(data, "base64");
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.keyBytes(), bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(endpointId));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString("utf8");
    } catch {
      throw new SecretKeyMismatchError();
    }
  }

  private keyBytes(): Buffer {
    this.key ??= this.loadKey();
    return this.key;
  }
}

/** A 32-byte key written as base64 (44 characters) or hex (64). null when it is neither. */
export function parseSecretKey(text: string): Buffer | null {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, "hex");
  if (/^[A-Za-z0-9+/]{43}=$/.test(value)) return Buffer.from(value, "base64");
  return null;
}

/**
 * The sealing key: WEBHOOK_SECRET_KEY when set; otherwise the key file, created (mode 0600)
 * with a random key the first time it is needed, so a single instance works with no
 * configuration. Several instances must share one WEBHOOK_SECRET_KEY.
 */
export function secretKeyLoader(settings: { key: string | undefined; file: string }): () => Buffer {
  const load = (): Buffer => {
    if (settings.key !== undefined) {
      const key = parseSecretKey(settings.key);
      if (!key) throw new Error("WEBHOOK_SECRET_KEY is not 32 bytes in base64 or hex");
      return key;
    }
    if (existsSync(settings.file)) {
      const key = parseSecretKey(readFileSync(settings.file, "utf8"));
      if (!key) throw new Error(`WEBHOOK_SECRET_KEY_FILE: ${settings.file} does not hold a 32-byte key in base64 or hex`);
      return key;
    }
    const key = randomBytes(32);
    mkdirSync(dirname(settings.file), { recursive: true });
    try {
      writeFileSync(settings.file, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    } catch (error) {
      // Another process (the CLI, a second gateway on this machine) wrote it first: use theirs.
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return load();
      throw error;
    }
    chmodSync(settings.file, 0o600);
    return key;
  };
  return load;
}
