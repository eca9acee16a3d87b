-- CreateTable
CREATE TABLE "EscrowReservation" (
    "escrowId" TEXT NOT NULL,
    "earnerPublicKey" CHAR(66) NOT NULL,
    "htlcs" INTEGER NOT NULL,
    "sats" BIGINT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "releasedAt" TIMESTAMPTZ(3),

    CONSTRAINT "EscrowReservation_pkey" PRIMARY KEY ("escrowId")
);

-- CreateTable
CREATE TABLE "EarnerPenalty" (
    "escrowId" TEXT NOT NULL,
    "earnerPublicKey" CHAR(66) NOT NULL,
    "unresolvedTranches" INTEGER NOT NULL,
    "recordedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "until" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "EarnerPenalty_pkey" PRIMARY KEY ("escrowId")
);

-- CreateIndex
CREATE INDEX "EscrowReservation_earnerPublicKey_releasedAt_idx" ON "EscrowReservation"("earnerPublicKey", "releasedAt");

-- CreateIndex
CREATE INDEX "EarnerPenalty_earnerPublicKey_until_idx" ON "EarnerPenalty"("earnerPublicKey", "until");
