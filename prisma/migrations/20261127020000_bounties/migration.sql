-- CreateTable
CREATE TABLE "Bounty" (
    "id" UUID NOT NULL,
    "bundle" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "metricName" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "allowedFiles" TEXT[],
    "maxDiffBytes" INTEGER NOT NULL,
    "baselineFiles" JSONB NOT NULL,
    "heldOutHash" CHAR(64) NOT NULL,
    "budgetSats" BIGINT NOT NULL,
    "payoutRule" JSONB NOT NULL,
    "stakeSats" BIGINT NOT NULL,
    "baselineFeeSats" BIGINT NOT NULL,
    "sponsorPublicKey" CHAR(66) NOT NULL,
    "closeTokenHash" CHAR(64) NOT NULL,
    "deadline" TIMESTAMPTZ(3) NOT NULL,
    "phase" TEXT NOT NULL,
    "baselineScore" DOUBLE PRECISION,
    "bestScore" DOUBLE PRECISION,
    "poolSats" BIGINT NOT NULL DEFAULT 0,
    "paidSats" BIGINT NOT NULL DEFAULT 0,
    "feeSats" BIGINT NOT NULL DEFAULT 0,
    "refundedSats" BIGINT NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Bounty_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BountySubmission" (
    "id" UUID NOT NULL,
    "bountyId" UUID NOT NULL,
    "escrowId" UUID NOT NULL,
    "agentPublicKey" CHAR(66) NOT NULL,
    "diffHash" CHAR(64) NOT NULL,
    "claimedScore" DOUBLE PRECISION NOT NULL,
    "stakeHash" CHAR(64),
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "publicScore" DOUBLE PRECISION,
    "heldOutScore" DOUBLE PRECISION,
    "improvement" DOUBLE PRECISION,
    "payoutSats" BIGINT NOT NULL DEFAULT 0,
    "stakeOutcome" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "BountySubmission_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Bounty_phase_idx" ON "Bounty"("phase");

-- CreateIndex
CREATE INDEX "BountySubmission_bountyId_idx" ON "BountySubmission"("bountyId");
