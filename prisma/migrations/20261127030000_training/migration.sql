-- CreateTable
CREATE TABLE "Checkpoint" (
    "hash" CHAR(64) NOT NULL,
    "runId" TEXT NOT NULL,
    "round" INTEGER NOT NULL,
    "weights" BYTEA NOT NULL,
    "heldOutLoss" DOUBLE PRECISION,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Checkpoint_pkey" PRIMARY KEY ("hash")
);

-- CreateTable
CREATE TABLE "TrainingSubmission" (
    "submissionId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "round" INTEGER NOT NULL,
    "peerId" TEXT NOT NULL,
    "payloadHash" CHAR(64) NOT NULL,
    "payload" BYTEA NOT NULL,
    "lossBefore" DOUBLE PRECISION,
    "lossAfter" DOUBLE PRECISION,
    "accepted" BOOLEAN NOT NULL,
    "reason" TEXT NOT NULL,
    "revealed" INTEGER NOT NULL,
    "paidSats" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TrainingSubmission_pkey" PRIMARY KEY ("submissionId")
);

-- CreateIndex
CREATE INDEX "Checkpoint_runId_round_idx" ON "Checkpoint"("runId", "round");

-- CreateIndex
CREATE INDEX "TrainingSubmission_runId_round_idx" ON "TrainingSubmission"("runId", "round");
