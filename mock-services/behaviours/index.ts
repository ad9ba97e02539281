import type { ServiceName } from '../../catalog/index.ts';
import type { BehaviourFactory } from '../behaviour.ts';
import { contextManager } from './context-manager.ts';
import { dataRouter } from './data-router.ts';
import { executor } from './executor.ts';
import { knowledgeBase } from './knowledge-base.ts';
import { llmService } from './llm-service.ts';
import { loggingService } from './logging-service.ts';
import { orchestrator } from './orchestrator.ts';
import { reflection } from './reflection.ts';
import { safetyService } from './safety-service.ts';
import { toolsService } from './tools-service.ts';

/** What makes each of the 14 services itself. */
export const BEHAVIOURS: Readonly<Record<ServiceName, BehaviourFactory>> = {
  'orchestrator-service': orchestrator,
  'data-router': dataRouter,
  'llm-service': llmService,
  'tools-service': toolsService,
  'safety-service': safetyService,
  'logging-service': loggingService,
  executor,
  'mind-kb': knowledgeBase('mind-kb'),
  'body-kb': knowledgeBase('body-kb'),
  'heart-kb': knowledgeBase('heart-kb'),
  'social-kb': knowledgeBase('social-kb'),
  'soul-kb': knowledgeBase('soul-kb'),
  'context-manager': contextManager,
  reflection,
};
