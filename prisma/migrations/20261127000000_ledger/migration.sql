-- CreateEnum
CREATE TYPE "PaymentDirection" AS ENUM ('INCOMING', 'OUTGOING');

-- CreateEnum
CREATE TYPE "PaymentPurpose" AS ENUM ('ACCESS_FEE', 'STAKE', 'REWARD_ESCROW', 'BOUNTY_FUNDING', 'REFUND', 'ROUND_TRIP');

-- CreateEnum
CREATE TYPE "PaymentState" AS ENUM ('OPEN', 'HELD', 'IN_FLIGHT', 'SETTLED', 'CANCELED', 'FAILED');

-- CreateTable
CREATE TABLE "LedgerEntry" (
    "id" UUID NOT NULL,
    "paymentHash" CHAR(64) NOT NULL,
    "direction" "PaymentDirection" NOT NULL,
    "purpose" "PaymentPurpose" NOT NULL,
    "amountSats" BIGINT NOT NULL,
    "feeSats" BIGINT NOT NULL DEFAULT 0,
    "state" "PaymentState" NOT NULL,
    "workflowId" TEXT NOT NULL,
    "memo" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "heldAt" TIMESTAMPTZ(3),
    "finalAt" TIMESTAMPTZ(3),

    CONSTRAINT "LedgerEntry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "LedgerEntry_state_idx" ON "LedgerEntry"("state");

-- CreateIndex
CREATE INDEX "LedgerEntry_workflowId_idx" ON "LedgerEntry"("workflowId");

-- CreateIndex
CREATE UNIQUE INDEX "LedgerEntry_paymentHash_direction_key" ON "LedgerEntry"("paymentHash", "direction");
