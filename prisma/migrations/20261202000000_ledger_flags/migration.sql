-- CreateTable
CREATE TABLE "LedgerFlag" (
    "id" UUID NOT NULL,
    "paymentHash" CHAR(64) NOT NULL,
    "direction" "PaymentDirection" NOT NULL,
    "ledgerState" "PaymentState" NOT NULL,
    "lndState" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LedgerFlag_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "LedgerFlag_paymentHash_direction_key" ON "LedgerFlag"("paymentHash", "direction");
