-- CreateTable
CREATE TABLE "L402RootKey" (
    "tokenId" CHAR(64) NOT NULL,
    "rootKey" BYTEA NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "L402RootKey_pkey" PRIMARY KEY ("tokenId")
);

-- CreateTable
CREATE TABLE "L402TokenSpend" (
    "tokenId" CHAR(64) NOT NULL,
    "scope" TEXT NOT NULL,
    "spentAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "L402TokenSpend_pkey" PRIMARY KEY ("tokenId","scope")
);

-- CreateTable
CREATE TABLE "RevealedPreimage" (
    "paymentHash" CHAR(64) NOT NULL,
    "escrowId" TEXT NOT NULL,
    "tranche" INTEGER NOT NULL,
    "preimage" CHAR(64) NOT NULL,
    "revealedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RevealedPreimage_pkey" PRIMARY KEY ("paymentHash")
);

-- CreateIndex
CREATE UNIQUE INDEX "RevealedPreimage_escrowId_tranche_key" ON "RevealedPreimage"("escrowId", "tranche");
