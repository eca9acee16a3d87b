-- CreateTable
CREATE TABLE "Blob" (
    "sha256" CHAR(64) NOT NULL,
    "bytes" BYTEA NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Blob_pkey" PRIMARY KEY ("sha256")
);

-- Move the bytes kept beside their rows into blobs under the same hashes.
INSERT INTO "Blob" ("sha256", "bytes", "sizeBytes")
SELECT "hash", "weights", length("weights") FROM "Checkpoint"
ON CONFLICT DO NOTHING;

INSERT INTO "Blob" ("sha256", "bytes", "sizeBytes")
SELECT "payloadHash", "payload", length("payload") FROM "TrainingSubmission"
ON CONFLICT DO NOTHING;

-- AlterTable
ALTER TABLE "Checkpoint" DROP COLUMN "weights";

-- AlterTable
ALTER TABLE "TrainingSubmission" DROP COLUMN "payload";
